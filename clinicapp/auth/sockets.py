"""Auth's part of the realtime handshake: what a token means, which user an id is,
and the `whoami` event that lets apps check their handshake."""
from __future__ import annotations

from ..extensions import db, socketio
from ..realtime import handshake
from .models import User
from .tokens import decode_access


def _active_user(user_id: int):
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_active else None


def _whoami(_data=None):
    """Ack with the connection's user."""
    user = handshake.require_socket_user()
    if user is None:
        return None
    answer = {"id": user.id, "email": user.email, "role": user.role,
              "branches": [branch.id for branch in user.branches]}
    db.session.remove()
    return answer


def init_app(app) -> None:
    handshake.configure_identity(token_user=decode_access, user_by_id=_active_user)
    socketio.on_event("whoami", _whoami)
