"""Socket.IO connections re-checked while open, like the raw WebSockets.

A connection is accepted once, at the handshake; without this, it would keep hearing its
rooms after its token expired, after logout revoked the token or the browser session, or
after the account was switched off. So each accepted connection is tracked here with what
authenticated it (the access token, or the key of the browser session the cookie names),
and one background task per process walks this process's connections: every
REALTIME_RECHECK_SECONDS (60) each is checked again the way the handshake checked it, and
a connection that no longer passes is disconnected by the server (the client sees a
server-side disconnect and must sign in or refresh its token, then reconnect).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from flask import Flask, current_app

from ..extensions import db, socketio

DEFAULT_SECONDS = 60  # REALTIME_RECHECK_SECONDS
TICK_SECONDS = 1.0  # how often the task looks for connections due a check

log = logging.getLogger("clinicapp.realtime")


@dataclass
class Connection:
    user_id: int
    token: str | None  # what authenticated it: an access token…
    session_key: str | None  # …or the browser session (Flask-Login's user id)
    checked_at: float  # time.monotonic() of the handshake or the last check


class Rechecks:
    """This process's Socket.IO connections by sid, and the task that re-checks them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: dict[str, Connection] = {}
        self._task_started = False

    def track(self, app: Flask, sid: str, user_id: int, *, token: str | None,
              session_key: str | None) -> None:
        with self._lock:
            self._connections[sid] = Connection(user_id, token, session_key, time.monotonic())
            start = not self._task_started
            self._task_started = True
        if start:
            socketio.start_background_task(self._run, app)

    def forget(self, sid: str) -> None:
        with self._lock:
            self._connections.pop(sid, None)

    def count(self) -> int:
        with self._lock:
            return len(self._connections)

    def _run(self, app: Flask) -> None:
        while True:
            socketio.sleep(min(TICK_SECONDS, max(_interval(app), 0.05)))
            try:
                with app.app_context():
                    self.check_due(is_valid)
            except Exception:  # noqa: BLE001 - the task outlives a failing check (database away)
                log.exception("socket.io re-check failed")

    def check_due(self, valid: Callable[[Connection], bool]) -> None:
        """Check the connections that are due; disconnect those that fail."""
        # The interval is read each time: a changed setting applies to open connections.
        since = time.monotonic() - _interval(current_app)
        with self._lock:
            due = [(sid, c) for sid, c in self._connections.items() if c.checked_at <= since]
        for sid, connection in due:
            try:
                still = valid(connection)
            finally:
                db.session.remove()  # no pooled connection held between checks
            if still:
                connection.checked_at = time.monotonic()
                continue
            self.forget(sid)
            log.info("socket.io connection of user %s closed: access ended",
                     connection.user_id)
            socketio.server.disconnect(sid, namespace="/")


def _interval(app: Flask) -> float:
    return float(app.config.get("REALTIME_RECHECK_SECONDS", DEFAULT_SECONDS))


def is_valid(connection: Connection) -> bool:
    """Would the handshake accept this connection now (the same user)?"""
    from .handshake import session_user, token_user

    user = (token_user(connection.token) if connection.token
            else session_user(connection.session_key))
    return user is not None and user.id == connection.user_id and user.is_active


rechecks = Rechecks()
