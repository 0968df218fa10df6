"""Sending, reading and typing: the chat's rules in action, for every surface.

Services flush and publish after the commit; the caller (a request, a socket frame)
commits once.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert

from ..core import json_guard
from ..core.errors import ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from . import events, offline, rules
from .models import MAX_CONTENT, Conversation, Message
from .queries import unread_count


def clean_content(content) -> str:
    """The text of a message: a string, not blank, at most MAX_CONTENT characters.

    Kept exactly as typed (only checked); raises ValidationFailed naming `content`. A NUL
    or a lone UTF-16 surrogate is refused: PostgreSQL cannot store the one, psycopg2
    cannot even encode the other.
    """
    if not isinstance(content, str) or not content.strip():
        raise ValidationFailed(_("Сообщение пустое"), details={"content": [_("Напишите текст")]})
    if json_guard.text_problem(content) is not None:
        message = _("Недопустимый символ в тексте")
        raise ValidationFailed(message, details={"content": [message]})
    if len(content) > MAX_CONTENT:
        message = _("Не длиннее %(limit)s символов", limit=MAX_CONTENT)
        raise ValidationFailed(_("Сообщение слишком длинное: %(message)s", message=message),
                               details={"content": [message]})
    return content


def ensure_conversation(target: rules.Target) -> Conversation:
    """The conversation of the target's pair, created if new; racing creators meet in one
    row (the unique keys, INSERT … ON CONFLICT DO NOTHING, then read it)."""
    if target.conversation is not None:
        return target.conversation
    db.session.execute(insert(Conversation).values(
        patient_id=target.patient.id, kind=target.kind, doctor_user_id=target.doctor_user_id,
        clinic_id=target.clinic_id).on_conflict_do_nothing())
    key = (Conversation.doctor_user_id == target.doctor_user_id if target.kind == "doctor"
           else Conversation.clinic_id == target.clinic_id)
    return db.session.scalar(db.select(Conversation).where(
        Conversation.patient_id == target.patient.id, key))


def open_conversation(user, *, recipient_id=None, conversation_id=None) -> Conversation:
    """The conversation `user` may write in with that recipient, created if new.

    Raises what rules.target_for raises.
    """
    return ensure_conversation(rules.target_for(user, recipient_id=recipient_id,
                                                conversation_id=conversation_id))


def send_message(sender, content, *, recipient_id=None, conversation_id=None) -> Message:
    """Store a message from `sender` (to `recipient_id`, or into `conversation_id`) and
    announce it after the commit: the message to both sides, a notification to the side
    it is written to.

    Raises ValidationFailed (content, recipient_id), PermissionDenied (the rule, in
    Russian), NotFound (another's conversation).
    """
    text = clean_content(content)
    target = rules.target_for(sender, recipient_id=recipient_id,
                              conversation_id=conversation_id)
    conversation = ensure_conversation(target)
    message = Message(conversation=conversation, sender_id=sender.id,
                      recipient_id=target.recipient.id,
                      from_patient=rules.is_patient_side(sender), content=text,
                      created_at=utcnow())
    db.session.add(message)
    conversation.last_message_at = message.created_at
    db.session.flush()
    events.message_sent(message, unread_count(conversation, for_patient=not message.from_patient))
    _notify_offline(message)
    return message


def mark_read(reader, conversation_id) -> int:
    """Mark what the other side wrote in the conversation as read by `reader`; the
    participants hear a `read` frame. Returns how many messages became read.

    Raises NotFound for another's conversation.
    """
    conversation = rules.conversation_for(reader, conversation_id)
    now = utcnow()
    ids = list(db.session.scalars(
        update(Message).where(Message.conversation_id == conversation.id,
                              Message.read_at.is_(None),
                              Message.from_patient.is_(not rules.is_patient_side(reader)))
        .values(read_at=now).returning(Message.id)))
    if ids:
        events.read(conversation, reader.id, max(ids), now)
    return len(ids)


def announce_typing(sender, *, recipient_id=None, conversation_id=None) -> None:
    """Tell the other side that `sender` is typing (nothing is stored). The same rule as
    for sending applies."""
    target = rules.target_for(sender, recipient_id=recipient_id,
                              conversation_id=conversation_id)
    if target.conversation is not None:
        others = rules.audience_ids(target.conversation)
        if rules.is_patient_side(sender):
            others -= {sender.id}
        else:
            others = {target.recipient.id}
    else:
        others = {target.recipient.id}
    events.typing(target.conversation.id if target.conversation else None, sender.id, others)


def _notify_offline(message: Message) -> None:
    """A notification for a recipient who does not read the message: an outbox job due
    CHAT_OFFLINE_NOTIFY_SECONDS later checks it is still unread (chat/offline.py)."""
    offline.schedule_check(message)
