"""The chat's live doors, both over the same frames (docs/chat.md):

- raw WebSocket for the apps, document 001: `ws://{host}/api/v1/chat?user_id=…&token=<JWT>`
  (the token may also come as `Authorization: Bearer`). A missing or bad token, or a
  `user_id` that is not the token's user, closes the handshake with 1008 before any
  frame. Then it is two-way: client frames (`message`, `typing`, `read`) are carried out,
  a refusal answers with an `error` frame and the socket stays open, and every frame
  published to the user's channel `user:<id>` is sent as JSON text. Access is re-checked
  every REALTIME_RECHECK_SECONDS like realtime's streams; 1001 on shutdown, 1013 for a
  client that lets QUEUE_LIMIT frames pile up.
- Socket.IO for the pages (and apps that prefer it): every connection sits in its user's
  room `user:<id>` (realtime's handshake); the client emits `chat` with a client frame
  and gets an ack (`{"ok": true, "message": …}` or an `error` frame); published frames
  arrive as the event `chat`. Access is re-checked by realtime/recheck.py.

Both: messages count against the user's CHAT_RATE_LIMIT (limits.py, `rate_limited`), and
`carry_out` never lets a frame kill the loop (anything unexpected is `internal`).
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import traceback
from dataclasses import dataclass

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from simple_websocket import ConnectionClosed

from ..auth.models import User
from ..core import json_guard
from ..core.errors import DomainError, NotAuthenticated, PermissionDenied, ValidationFailed
from ..extensions import db, socketio
from ..realtime.feed import feed
from ..realtime.handshake import require_socket_user, user_from_ws_request, user_room
from ..realtime.websocket import (
    GOING_AWAY,
    POLICY_VIOLATION,
    WAIT_SECONDS,
    pump,
    websocket_route,
)
from . import events, limits, rules, services

bp = Blueprint("chat_socket", __name__)
log = logging.getLogger("clinicapp.chat")


@dataclass(frozen=True)
class ClientFrame:
    """A text the client sent, queued in the same inbox as the published frames."""

    text: str


def _optional_id(frame: dict, field: str) -> int | None:
    value = frame.get(field)
    return None if value is None else rules.id_of(value, field)


def carry_out(user, frame) -> dict:
    """Carry out one client frame for `user` and commit; the answer for an ack:
    {"ok": true, …} or an error frame. Never raises: a client's mistake is its error
    frame, anything unexpected is logged (without the frame's content) and answered
    `internal`, so a socket's loop outlives every frame."""
    kind = frame.get("type") if isinstance(frame, dict) else None
    try:
        if not isinstance(kind, str):
            raise ValidationFailed(_("Ожидается JSON-объект с полем type"),
                                   details={"type": [_("Обязательное поле")]})
        answer = _carry_out(user, kind, frame)
        db.session.commit()
        return answer
    except DomainError as error:
        db.session.rollback()
        return events.error_frame(error)
    except Exception as error:  # noqa: BLE001 - the loop must survive; the client is told
        db.session.rollback()
        _log_failure(user, kind, error)
        return {"type": "error", "detail": _("Не удалось сохранить, попробуйте ещё раз"),
                "error": "internal"}
    finally:
        db.session.remove()


def _carry_out(user, kind: str, frame: dict) -> dict:
    conversation_id = _optional_id(frame, "conversation_id")
    answer: dict = {"ok": True}
    if kind == "message":
        limits.check_message_rate(user)
        message = services.send_message(
            user, frame.get("content"), recipient_id=frame.get("recipient_id"),
            conversation_id=conversation_id)
        answer["message"] = events.message_frame(message)
    elif kind == "typing":
        services.announce_typing(user, recipient_id=frame.get("recipient_id"),
                                 conversation_id=conversation_id)
    elif kind == "read":
        if conversation_id is None:
            raise ValidationFailed(_("conversation_id: обязательное поле"),
                                   details={"conversation_id": [_("Обязательное поле")]})
        answer["read"] = services.mark_read(user, conversation_id)
    else:
        raise ValidationFailed(_("Неизвестный тип кадра: ожидается message, typing или read"),
                               details={"type": [_("Ожидается message, typing или read")]})
    return answer


def _log_failure(user, kind, error: Exception) -> None:
    """The failure's type and where it happened, never its message: that may quote the
    content (an encoding error does), which must not reach the logs."""
    log.error("chat frame %r of user %s failed: %s\n%s", kind if isinstance(kind, str) else None,
              getattr(user, "id", None), type(error).__name__,
              "".join(traceback.format_tb(error.__traceback__)))


# --- Socket.IO ----------------------------------------------------------------------------

def _on_chat(data=None):
    user = require_socket_user()
    if user is None:
        return None
    return carry_out(user, data)


# --- raw WebSocket --------------------------------------------------------------------------

def _handshake_user() -> User:
    """The token's user, if `user_id` names them. Raises NotAuthenticated (no or a bad
    token: cookies do not count here) or PermissionDenied (user_mismatch)."""
    header = request.headers.get("Authorization", "")
    if not request.args.get("token") and not header.lower().startswith("bearer "):
        raise NotAuthenticated(_("Нужен токен доступа: ?token="))
    user = user_from_ws_request()
    if user is None or not user.is_active:
        raise NotAuthenticated(_("Токен недействителен"))
    if (request.args.get("user_id") or "").strip() != str(user.id):
        raise PermissionDenied(_("user_id не совпадает с владельцем токена"),
                               code="user_mismatch")
    return user


def _authorized(ws) -> int | None:
    """The user id, or close with 1008 and the error's code."""
    try:
        return _handshake_user().id
    except DomainError as error:
        ws.close(POLICY_VIOLATION, error.code)
        return None
    finally:
        db.session.remove()


def _read(ws, inbox: queue.Queue) -> None:
    """The socket's reader thread: the client's texts into the inbox, in order."""
    while ws.connected:
        try:
            data = ws.receive(timeout=WAIT_SECONDS)
        except ConnectionClosed:
            return
        if data is not None:
            inbox.put(ClientFrame(data if isinstance(data, str) else data.decode("utf-8",
                                                                                "replace")))


def _answer(user_id: int, text: str) -> dict | None:
    """An error frame for the client, or None (what it did is heard on its channel).

    Parsed by core.json_guard: a frame nested too deep, or with a NUL or a lone
    surrogate anywhere, is refused as validation_error naming the field."""
    try:
        frame = json_guard.loads(text)
    except json_guard.HostileJSON as error:
        return {"type": "error", "detail": str(error), "error": "validation_error",
                "details": {field: [message] for field, message in error.problems.items()}}
    except ValueError:
        return {"type": "error", "detail": _("Кадр — не JSON"), "error": "validation_error"}
    try:
        user = db.session.get(User, user_id)
    except Exception as error:  # noqa: BLE001 - e.g. the database away: the socket stays
        db.session.rollback()
        _log_failure(None, None, error)
        db.session.remove()
        return {"type": "error", "detail": _("Не удалось сохранить, попробуйте ещё раз"),
                "error": "internal"}
    answer = carry_out(user, frame)
    return answer if answer.get("type") == "error" else None


@websocket_route(bp, "/api/v1/chat")
def chat_socket(ws) -> None:
    """/api/v1/chat?user_id=…&token=…: the user's chat, both ways."""
    user_id = _authorized(ws)
    if user_id is None:
        return
    if feed.stopping.is_set():
        ws.close(GOING_AWAY, "server_shutdown")
        return
    subscription = feed.subscribe(user_room(user_id),
                                  current_app.config.get("REDIS_URL") or None)
    threading.Thread(target=_read, args=(ws, subscription.inbox), daemon=True,
                     name=f"chat-ws-{user_id}").start()
    try:
        pump(ws, subscription, lambda: _authorized(ws) == user_id,
             handle=lambda frame: _reply(ws, user_id, frame), drain_client=False)
    finally:
        feed.unsubscribe(subscription)


def _reply(ws, user_id: int, frame: ClientFrame) -> None:
    answer = _answer(user_id, frame.text)
    if answer is not None:
        ws.send(json.dumps(answer, ensure_ascii=False))


def init_app(app) -> None:
    socketio.on_event("chat", _on_chat)
    app.register_blueprint(bp)
