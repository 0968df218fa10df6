"""Who is on the other end of a Socket.IO connection or a raw WebSocket.

One access token works everywhere an app may go: Socket.IO clients send it in
the handshake (`auth={"token": …}`), raw WebSockets in `?token=` or an
`Authorization: Bearer` header; pages use the session cookie.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request, session
from flask_login import current_user
from flask_socketio import disconnect

from ..extensions import db, socketio
from .models import User
from .tokens import decode_access

SOCKET_USER = "socket_user_id"


def _token_user(token: str | None):
    return decode_access(token) if token else None


def _cookie_user():
    if current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def _same_origin() -> bool:
    """False for a browser's WebSocket opened by another site (it would carry our cookie).

    Socket.IO checks Origin itself (cors_allowed_origins); raw WebSockets do it here.
    """
    origin = request.headers.get("Origin")
    if not origin:
        return True  # not a browser: apps and scripts send no Origin
    return (urlsplit(origin).netloc == request.host
            or origin in (current_app.config.get("CORS_ORIGINS") or ()))


def user_from_ws_request():
    """The user of a raw WebSocket handshake: ?token=, a bearer header, or the session cookie.

    The cookie counts only for a same-origin handshake (see _same_origin).
    """
    token = request.args.get("token")
    header = request.headers.get("Authorization", "")
    if not token and header.lower().startswith("bearer "):
        token = header[7:].strip()
    if token:
        return _token_user(token)
    return _cookie_user() if _same_origin() else None


def socket_user():
    """The active user of the current Socket.IO connection, or None."""
    user_id = session.get(SOCKET_USER)
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_active else None


def require_socket_user():
    """For event handlers: the user, or disconnect and None."""
    user = socket_user()
    if user is None:
        disconnect()
    return user


@socketio.on("connect")
def _on_connect(auth=None):
    token = auth.get("token") if isinstance(auth, dict) else None
    user = _token_user(token) if token else _cookie_user()
    if user is None:
        # The client sees a connect_error with this message; no event reaches it.
        raise ConnectionRefusedError("not_authenticated")
    session[SOCKET_USER] = user.id
    db.session.remove()


@socketio.on("whoami")
def _whoami(_data=None):
    """Ack with the connection's user: lets apps check their handshake."""
    user = require_socket_user()
    if user is None:
        return None
    answer = {"id": user.id, "email": user.email, "role": user.role,
              "branches": [branch.id for branch in user.branches]}
    db.session.remove()
    return answer
