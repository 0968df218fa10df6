"""The live calendar's doors: Socket.IO rooms per branch and the raw WebSocket of document 002.

Socket.IO (pages and apps; handshake in auth/sockets.py):
    emit("join_branch", {"branch_id": 3}) -> ack {"ok": true, "branch_id": 3}
        or {"ok": false, "error": "forbidden" | "not_found" | "bad_request", "detail": "…"};
    then the events of events.EVENT_TYPES arrive as {"type", "appointment"}.
    "leave_branch" takes the same argument. Disconnecting leaves every room
    (Flask-SocketIO drops the connection from its rooms).

Raw WebSocket: /ws/calendar/<branch_id> with ?token=, `Authorization: Bearer`
or the staff session cookie (same origin only); refused with close code 1008
before any event, the reason being the error code (not_authenticated,
permission_denied, branch_forbidden, not_found). Afterwards each event is one
JSON text frame and nothing else is sent; client frames are ignored; pings are
answered by simple-websocket. Access is re-checked every
REALTIME_RECHECK_SECONDS (60): a revoked or expired token, a deactivated user
or a branch taken away ends the stream with 1008. A client that lets
QUEUE_LIMIT events pile up is closed with 1013; on shutdown the server closes
every socket with 1001.
"""
from __future__ import annotations

import atexit
import os
import queue
import signal
import threading
import time

from flask import current_app, g
from flask_socketio import join_room, leave_room

from ..auth.sockets import require_socket_user, user_from_ws_request
from ..core.errors import DomainError, NotAuthenticated, PermissionDenied, ValidationFailed
from ..core.permissions import has_permission
from ..core.routing import MAX_ID
from ..extensions import db, sock, socketio
from ..org.branches import branch_for
from .events import CLOSE, branch_room, calendar_feed

PERMISSION = "calendar.view"
ACK_ERRORS = {400: "bad_request", 403: "forbidden", 404: "not_found"}
POLICY_VIOLATION = 1008
GOING_AWAY = 1001
TRY_AGAIN_LATER = 1013
WAIT_SECONDS = 1.0  # how often the pump looks at the client while idle
RECHECK_SECONDS = 60  # default REALTIME_RECHECK_SECONDS: re-authorize a raw WebSocket


def authorize_calendar(user, branch_id: int):
    """The branch, if `user` may watch its calendar.

    Raises NotAuthenticated (no user), PermissionDenied (no calendar.view, or a
    branch the user is not assigned to; admins see all), NotFound (no such branch).
    """
    if user is None:
        raise NotAuthenticated("Нужен вход: токен (?token= или Authorization: Bearer) "
                               "или сеанс сотрудника")
    if not has_permission(user, PERMISSION):
        raise PermissionDenied("Календарь доступен только сотрудникам клиники")
    return branch_for(user, branch_id)


# --- Socket.IO -----------------------------------------------------------------

def _branch_id(data) -> int:
    value = data.get("branch_id") if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ValidationFailed("Укажите branch_id — id филиала, целое положительное число",
                               details={"branch_id": ["Ожидается id филиала"]})
    return value


def _refusal(error: DomainError) -> dict:
    return {"ok": False, "error": ACK_ERRORS.get(error.status_code, "forbidden"),
            "detail": error.detail}


@socketio.on("join_branch")
def _join_branch(data=None):
    user = require_socket_user()
    if user is None:
        return None
    try:
        branch_id = _branch_id(data)
        authorize_calendar(user, branch_id)
    except DomainError as error:
        return _refusal(error)
    join_room(branch_room(branch_id))
    return {"ok": True, "branch_id": branch_id}


@socketio.on("leave_branch")
def _leave_branch(data=None):
    if require_socket_user() is None:
        return None
    try:
        branch_id = _branch_id(data)
    except DomainError as error:
        return _refusal(error)
    leave_room(branch_room(branch_id))
    return {"ok": True, "branch_id": branch_id}


# --- raw WebSocket (document 002) ----------------------------------------------

def _authorized(ws, branch_id: int) -> bool:
    """Check the handshake's user; refuse with 1008 and the error code otherwise."""
    g.pop("_login_user", None)  # Flask-Login's cached cookie user: load it afresh each time
    try:
        authorize_calendar(user_from_ws_request(), branch_id)
        return True
    except DomainError as error:
        ws.close(POLICY_VIOLATION, error.code)  # a close reason holds 123 bytes: the code
        return False
    finally:
        db.session.remove()  # the connection pool is not held for the socket's life


def calendar_socket(ws, branch_id: int) -> None:
    """/ws/calendar/<branch_id>: authorize, then stream the branch's events (see module doc)."""
    if not _authorized(ws, branch_id):
        return
    if calendar_feed.stopping.is_set():
        ws.close(GOING_AWAY, "server_shutdown")
        return
    subscription = calendar_feed.subscribe(branch_id, current_app.config.get("REDIS_URL") or None)
    try:
        _pump(ws, branch_id, subscription)
    finally:
        calendar_feed.unsubscribe(subscription)


sock.route("/ws/calendar/<int:branch_id>")(calendar_socket)  # (flask-sock returns no function)


def _pump(ws, branch_id: int, subscription) -> None:
    """Send the branch's events until the client leaves, access ends or the server stops."""
    recheck = current_app.config.get("REALTIME_RECHECK_SECONDS", RECHECK_SECONDS)
    next_check = time.monotonic() + recheck
    while ws.connected:
        try:
            item = subscription.inbox.get(timeout=WAIT_SECONDS)
        except queue.Empty:
            item = None
        if item is CLOSE:
            ws.close(GOING_AWAY, "server_shutdown")
            return
        if subscription.overflowed:
            ws.close(TRY_AGAIN_LATER, "too_slow")
            return
        while ws.receive(timeout=0) is not None:
            pass  # nothing is expected from the client; don't let it pile up
        if time.monotonic() >= next_check:
            # Expired or revoked token, deactivated user, branch taken away.
            if not _authorized(ws, branch_id):
                return
            next_check = time.monotonic() + recheck
        if item is not None:
            ws.send(item)


# --- shutdown: raw WebSockets are closed with 1001, not cut -----------------------

def _closing_then(previous):
    def handler(signum, frame):
        calendar_feed.shutdown()
        if callable(previous):
            previous(signum, frame)
        else:  # SIG_DFL: die as the signal would have
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    return handler


def _install_shutdown_hooks() -> None:
    """Close subscribers on exit and on SIGTERM/SIGINT, then run the previous handler.

    Signal handlers can be set only from the main thread (gunicorn's worker,
    `python wsgi.py`); gunicorn sets its own before loading the app, and they
    still run after ours.
    """
    atexit.register(calendar_feed.shutdown)
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)
        if previous not in (signal.SIG_IGN, None):
            signal.signal(signum, _closing_then(previous))


_install_shutdown_hooks()
