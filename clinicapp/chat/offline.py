"""A chat message nobody read: a notification (e-mail/SMS) to its recipient.

«Offline» is decided as «has not read it within CHAT_OFFLINE_NOTIFY_SECONDS» rather than
by tracking live sockets: sending enqueues an outbox job due that much later (in the
message's own transaction), and when it comes due the handler notifies only if the
message is still unread and is the latest unread one of its side in the conversation (a
burst of messages gives one notification, by the last job). No presence bookkeeping, it
works across processes and devices, and someone who read it on the phone is not
notified by e-mail. The notification carries no message text (docs/notifications.md).
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..core.models import utcnow
from ..extensions import db
from ..notifications import notify
from ..notifications.services import recipient_language
from ..outbox import enqueue, register_handler
from .models import Message
from .queries import title_for, unread_count

TOPIC = "chat.unread_check"


def schedule_check(message: Message) -> None:
    """Queue the unread check of a message just sent (in the caller's transaction)."""
    delay = current_app.config.get("CHAT_OFFLINE_NOTIFY_SECONDS", 120)
    enqueue(TOPIC, {"message_id": message.id}, key=f"chat-message:{message.id}",
            not_before=utcnow() + timedelta(seconds=delay) if delay > 0 else None)


def _newer_unread(message: Message) -> bool:
    return bool(db.session.scalar(db.select(db.exists().where(
        Message.conversation_id == message.conversation_id, Message.id > message.id,
        Message.from_patient.is_(message.from_patient), Message.read_at.is_(None)))))


def check_unread(payload: dict) -> None:
    """The outbox handler: notify the recipient if the message is still unread."""
    message = db.session.get(Message, payload.get("message_id"))
    if message is None or message.read_at is not None or _newer_unread(message):
        return
    conversation = message.conversation
    recipient = conversation.patient if not message.from_patient else message.recipient
    reader = message.recipient
    # Who wrote, named in the reader's language («Front desk · …»), not the worker's.
    with force_locale(recipient_language(recipient)):
        sender_name = str(title_for(reader, conversation))
    notify(recipient, "chat_message", key=f"chat:{message.id}", context={
        "sender_name": sender_name,
        "unread": unread_count(conversation, for_patient=not message.from_patient)})


def init_app(app) -> None:
    register_handler(app, TOPIC, check_unread,
                     label=_l("Чат: уведомить о непрочитанном сообщении"))
