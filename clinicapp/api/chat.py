"""The chat's REST history for apps (issue 14; the live part is the raw WebSocket
/api/v1/chat of chat/sockets.py, documented in docs/chat.md).

Lists follow document 001: `limit`/`offset`, newest first, the total in X-Total-Count.
Another's conversation is a 404, as if it did not exist.
"""
from __future__ import annotations

import marshmallow as ma
from flask import g

from ..chat import queries, rules, services
from ..core.pagination import TOTAL_COUNT_DOC, limit_offset, total_header
from ..extensions import db
from .base import ApiBlueprint, require_auth
from .schemas import PagingSchema

blp = ApiBlueprint("api_v1_chat", __name__, tag="Чат · 001", url_prefix="/api/v1/chat",
                   errors={404: "Разговор не найден (или чужой)"},
                   description="История чата пациента с врачом или регистратурой филиала")

UNREAD_DOC = {"X-Unread-Count": {
    "description": "Непрочитанных сообщений во всех разговорах пользователя",
    "schema": {"type": "integer", "minimum": 0}}}


class MessageSchema(ma.Schema):
    id = ma.fields.Integer()
    conversation_id = ma.fields.Integer()
    sender_id = ma.fields.Integer(metadata={"description": "id пользователя-отправителя"})
    recipient_id = ma.fields.Integer(metadata={"description": "id пользователя-получателя"})
    content = ma.fields.String(metadata={"description": "Текст как есть (до 4 000 символов)"})
    created_at = ma.fields.DateTime(format="iso")
    read_at = ma.fields.DateTime(format="iso", allow_none=True,
                                 metadata={"description": "Когда прочитано; null — ещё нет"})


class ConversationSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "doctor — с врачом, desk — с регистратурой "
                                                     "филиала", "enum": ["doctor", "desk"]})
    patient_id = ma.fields.Integer()
    doctor_user_id = ma.fields.Integer(allow_none=True)
    clinic_id = ma.fields.Integer(allow_none=True)
    title = ma.fields.String(metadata={"description": "Имя собеседника (для пациента — врач или "
                                                      "«Регистратура · филиал»)"})
    recipient_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "Кому писать здесь: id пользователя для recipient_id"})
    unread = ma.fields.Integer(metadata={"description": "Непрочитанные сообщения собеседника"})
    last_message = ma.fields.Nested(MessageSchema, allow_none=True)
    last_message_at = ma.fields.DateTime(format="iso", allow_none=True)


class ReadSchema(ma.Schema):
    conversation_id = ma.fields.Integer()
    read = ma.fields.Integer(metadata={"description": "Сколько сообщений отмечено прочитанными"})
    unread = ma.fields.Integer()


def message_json(message) -> dict | None:
    if message is None:
        return None
    return {"id": message.id, "conversation_id": message.conversation_id,
            "sender_id": message.sender_id, "recipient_id": message.recipient_id,
            "content": message.content, "created_at": message.created_at,
            "read_at": message.read_at}


def conversation_json(row: queries.Row) -> dict:
    conversation = row.conversation
    return {"id": conversation.id, "kind": conversation.kind,
            "patient_id": conversation.patient_id,
            "doctor_user_id": conversation.doctor_user_id, "clinic_id": conversation.clinic_id,
            "title": row.title, "recipient_id": row.counterpart_id, "unread": row.unread,
            "last_message": message_json(row.last),
            "last_message_at": conversation.last_message_at}


@blp.route("/conversations", methods=["GET"])
@require_auth()
@blp.arguments(PagingSchema, location="query")
@blp.response(200, ConversationSchema(many=True), headers={**TOTAL_COUNT_DOC, **UNREAD_DOC})
@blp.errors(400, 401)
def conversations(query):
    """Мои разговоры, последние по времени первыми: собеседник, непрочитанные, последнее
    сообщение; всего — в X-Total-Count, непрочитанных во всех — в X-Unread-Count."""
    user = g.api_user
    rows, total = limit_offset(queries.conversations_statement(user), query["limit"],
                               query["offset"])
    headers = {**total_header(total), "X-Unread-Count": str(queries.total_unread(user))}
    return [conversation_json(row) for row in queries.rows_for(user, rows)], 200, headers


@blp.route("/conversations/<int:conversation_id>/messages", methods=["GET"])
@require_auth()
@blp.arguments(PagingSchema, location="query")
@blp.response(200, MessageSchema(many=True), headers=TOTAL_COUNT_DOC)
@blp.errors(400, 401, 404)
def messages(query, conversation_id: int):
    """Сообщения разговора, новые первыми; чужой разговор — 404. Чтение не отмечает
    прочитанным: для этого POST …/read (или кадр read в WebSocket)."""
    conversation = rules.conversation_for(g.api_user, conversation_id)
    rows, total = limit_offset(queries.messages_statement(conversation), query["limit"],
                               query["offset"])
    return [message_json(message) for message in rows], 200, total_header(total)


@blp.route("/conversations/<int:conversation_id>/read", methods=["POST"])
@require_auth()
@blp.response(200, ReadSchema)
@blp.errors(401, 404)
def read(conversation_id: int):
    """Отметить прочитанным всё, что написал собеседник; он получит кадр read."""
    count = services.mark_read(g.api_user, conversation_id)
    db.session.flush()
    return {"conversation_id": conversation_id, "read": count, "unread": 0}


BLUEPRINTS = (blp,)
