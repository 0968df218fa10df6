"""Who is on the other end of a Socket.IO connection or a raw WebSocket.

One access token works everywhere an app may go: Socket.IO clients send it in
the handshake (`auth={"token": …}`), raw WebSockets in `?token=` or an
`Authorization: Bearer` header; pages use the session cookie. What a token
means and how a user is loaded is auth's business: it tells this module with
`configure_identity` from its own init_app.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

from flask import Flask, current_app, request, session
from flask_login import current_user
from flask_socketio import disconnect, join_room

from ..extensions import db, socketio
from .recheck import rechecks

SOCKET_USER = "socket_user_id"


def user_room(user_id: int) -> str:
    """`user:<id>`: the Socket.IO room every connection of that user joins on connect, and
    the channel features publish to for one person (the chat)."""
    return f"user:{user_id}"


@dataclass
class _Identity:
    token_user: Callable[[str], object] | None = None  # access token -> active user or None
    user_by_id: Callable[[int], object] | None = None  # id -> active user or None


_identity = _Identity()


def configure_identity(*, token_user: Callable[[str], object],
                       user_by_id: Callable[[int], object]) -> None:
    """Tell the transport how a token becomes a user and how a user is loaded by id."""
    _identity.token_user, _identity.user_by_id = token_user, user_by_id


def token_user(token: str | None):
    """The active user of a live access token, or None."""
    return _identity.token_user(token) if token and _identity.token_user else None


_token_user = token_user


def session_user(key: str | None):
    """The active user of a live browser session (the key Flask-Login keeps in the
    cookie), or None: the app's own user loader decides, as for every page."""
    loader = getattr(current_app.login_manager, "_user_callback", None) if key else None
    return loader(key) if loader is not None else None


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
    if user_id is None or _identity.user_by_id is None:
        return None
    return _identity.user_by_id(user_id)


def require_socket_user():
    """For event handlers: the user, or disconnect and None."""
    user = socket_user()
    if user is None:
        disconnect()
    return user


def _on_connect(auth=None):
    token = auth.get("token") if isinstance(auth, dict) else None
    user = _token_user(token) if token else _cookie_user()
    if user is None:
        # The client sees a connect_error with this message; no event reaches it.
        raise ConnectionRefusedError("not_authenticated")
    session[SOCKET_USER] = user.id
    join_room(user_room(user.id))
    # Kept and checked again every REALTIME_RECHECK_SECONDS (recheck.py).
    rechecks.track(current_app._get_current_object(), request.sid, user.id,
                   token=token or None, session_key=None if token else user.get_id())
    db.session.remove()


def _on_disconnect(_reason=None):
    rechecks.forget(request.sid)


def init_app(app: Flask) -> None:
    socketio.on_event("connect", _on_connect)
    socketio.on_event("disconnect", _on_disconnect)
