"""Socket.IO rooms a client joins by asking: `join_<kind>` / `leave_<kind>` events.

    emit("join_branch", {"branch_id": 3}) -> ack {"ok": true, "branch_id": 3}
        or {"ok": false, "error": "forbidden" | "not_found" | "bad_request", "detail": "…"}

A feature registers a kind with the function that says whether a user may
listen (`authorize(user, id)`, raising a DomainError); the room's name is
`<kind>:<id>`, the channel `publish` sends to. Disconnecting leaves every room.
"""
from __future__ import annotations

import logging
from typing import Callable

from flask_socketio import join_room, leave_room

from ..core.errors import DomainError, ValidationFailed
from ..core.routing import MAX_ID
from ..extensions import socketio
from .handshake import require_socket_user

ACK_ERRORS = {400: "bad_request", 403: "forbidden", 404: "not_found"}

log = logging.getLogger("clinicapp.realtime")


def room_name(kind: str, object_id: int) -> str:
    """`branch:3`: the Socket.IO room, and the channel features publish to."""
    return f"{kind}:{object_id}"


def _object_id(data, field: str, label: str) -> int:
    value = data.get(field) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ValidationFailed(f"Укажите {field} — id {label}, целое положительное число",
                               details={field: [f"Ожидается id {label}"]})
    return value


def _refusal(error: DomainError) -> dict:
    return {"ok": False, "error": ACK_ERRORS.get(error.status_code, "forbidden"),
            "detail": error.detail}


def _enter(room: str, enter: Callable) -> bool:
    """Join or leave; False when the connection went away meanwhile.

    A tab closed while its join is in flight leaves no session to join to:
    python-socketio raises then, and there is nobody to answer.
    """
    try:
        enter(room)
    except (KeyError, ValueError) as error:
        log.info("socket gone before %s: %s", enter.__name__, type(error).__name__)
        return False
    return True


def register_room(kind: str, authorize: Callable, *, label: str) -> None:
    """Handle `join_<kind>` and `leave_<kind>` with `{"<kind>_id": n}`.

    `authorize(user, n)` raises a DomainError when the user may not listen.
    """
    field = f"{kind}_id"

    def join(data=None):
        user = require_socket_user()
        if user is None:
            return None
        try:
            object_id = _object_id(data, field, label)
            authorize(user, object_id)
        except DomainError as error:
            return _refusal(error)
        if not _enter(room_name(kind, object_id), join_room):
            return None
        return {"ok": True, field: object_id}

    def leave(data=None):
        if require_socket_user() is None:
            return None
        try:
            object_id = _object_id(data, field, label)
        except DomainError as error:
            return _refusal(error)
        _enter(room_name(kind, object_id), leave_room)
        return {"ok": True, field: object_id}

    socketio.on_event(f"join_{kind}", join)
    socketio.on_event(f"leave_{kind}", leave)
