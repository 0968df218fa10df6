"""What the chat says live, and to whom: frames published to the channel `user:<id>` of
each participant (realtime: the Socket.IO room of that name, where every connection of
the user sits, and the raw WebSocket /api/v1/chat of that user), after the commit.

Socket.IO clients get every frame as the event `chat`; raw WebSocket clients get the
frame itself as a JSON text. The frames are documented in docs/chat.md.
"""
from __future__ import annotations

from ..realtime import publish
from ..realtime.handshake import user_room
from .models import Conversation, Message
from .rules import audience_ids

SOCKETIO_EVENT = "chat"


def message_frame(message: Message) -> dict:
    """`sender_name`: who wrote it (at a desk, colleagues share the conversation)."""
    return {"type": "message", "id": message.id, "conversation_id": message.conversation_id,
            "sender_id": message.sender_id, "sender_name": message.sender.full_name,
            "recipient_id": message.recipient_id,
            "content": message.content, "created_at": message.created_at.isoformat()}


def error_frame(error) -> dict:
    """A refusal; a validation error also names its fields in `details`."""
    frame = {"type": "error", "detail": error.detail, "error": error.code}
    if error.details:
        frame["details"] = error.details
    return frame


def send_to(user_ids, frame: dict) -> None:
    """Queue `frame` for each user's channel (sent once the transaction commits)."""
    for user_id in sorted(set(user_ids)):
        publish(user_room(user_id), SOCKETIO_EVENT, frame)


def message_sent(message: Message, unread: int) -> None:
    """The message to every participant (the sender's echo has the same id), and a
    notification with the conversation's unread count to the side it was written to."""
    conversation = message.conversation
    everyone = audience_ids(conversation) | {message.sender_id, message.recipient_id}
    send_to(everyone, message_frame(message))
    readers = _other_side(conversation, message.from_patient, everyone) | {message.recipient_id}
    send_to(readers - {message.sender_id}, {
        "type": "notification", "conversation_id": conversation.id, "unread": unread})


def _other_side(conversation: Conversation, from_patient: bool, everyone: set[int]) -> set[int]:
    patient_user = conversation.patient.user_id
    return everyone - {patient_user} if from_patient else {patient_user} - {None}


def typing(conversation_id: int | None, sender_id: int, recipient_ids: set[int]) -> None:
    send_to(recipient_ids - {sender_id}, {
        "type": "typing", "conversation_id": conversation_id, "sender_id": sender_id})


def read(conversation: Conversation, reader_id: int, last_read_id: int, read_at) -> None:
    """Read receipts: everyone in the conversation hears who read up to which message."""
    send_to(audience_ids(conversation) | {reader_id}, {
        "type": "read", "conversation_id": conversation.id, "reader_id": reader_id,
        "last_read_id": last_read_id, "read_at": read_at.isoformat(), "unread": 0})
