"""Raw WebSocket streams of a channel (document 002's /ws/calendar/<id> is one).

A feature declares the route on its own blueprint with `websocket_route` and
serves it with `serve(ws, channel, authorize)`. The stream is refused with
close code 1008 before any event, the reason being the error code
(not_authenticated, permission_denied, branch_forbidden, not_found). Then
each event is one JSON text frame and nothing else is sent; client frames are
ignored; pings are answered by simple-websocket. Access is re-checked every
REALTIME_RECHECK_SECONDS (60): a revoked or expired token, a deactivated user
or access taken away ends the stream with 1008. A client that lets QUEUE_LIMIT
events pile up is closed with 1013; on shutdown every socket gets 1001.
"""
from __future__ import annotations

import queue
import time
from typing import Callable

from flask import current_app, g

from ..core.errors import DomainError
from ..extensions import db, sock
from .feed import CLOSE, feed

POLICY_VIOLATION = 1008
GOING_AWAY = 1001
TRY_AGAIN_LATER = 1013
WAIT_SECONDS = 1.0  # how often the pump looks at the client while idle
RECHECK_SECONDS = 60  # default REALTIME_RECHECK_SECONDS: re-authorize a raw WebSocket


def websocket_route(blueprint, path: str):
    """Decorator: a raw WebSocket route on `blueprint` (served once the feature
    registers the blueprint); returns the function itself, callable in tests."""

    def decorator(view):
        sock.route(path, bp=blueprint)(view)  # flask-sock's decorator returns nothing
        return view

    return decorator


def _authorized(ws, authorize: Callable[[], object]) -> bool:
    """Run `authorize()`; refuse with 1008 and the error's code when it raises."""
    g.pop("_login_user", None)  # Flask-Login's cached cookie user: load it afresh each time
    try:
        authorize()
        return True
    except DomainError as error:
        ws.close(POLICY_VIOLATION, error.code)  # a close reason holds 123 bytes: the code
        return False
    finally:
        db.session.remove()  # the connection pool is not held for the socket's life


def serve(ws, channel: str, authorize: Callable[[], object]) -> None:
    """Authorize, then stream the channel's events until the client leaves, access
    ends or the server stops. `authorize()` raises a DomainError to refuse."""
    if not _authorized(ws, authorize):
        return
    if feed.stopping.is_set():
        ws.close(GOING_AWAY, "server_shutdown")
        return
    subscription = feed.subscribe(channel, current_app.config.get("REDIS_URL") or None)
    try:
        pump(ws, subscription, lambda: _authorized(ws, authorize))
    finally:
        feed.unsubscribe(subscription)


def pump(ws, subscription, still_allowed: Callable[[], bool], *,
         handle: Callable[[object], None] | None = None, drain_client: bool = True) -> None:
    """Send the subscription's events (JSON texts) until the client leaves, access ends
    (`still_allowed()` false at a re-check, every REALTIME_RECHECK_SECONDS), the server
    stops (1001) or the client falls QUEUE_LIMIT behind (1013).

    A feature that reads its client (chat) puts what it read into the same inbox and
    passes `handle` for those items, with `drain_client=False`; otherwise whatever the
    client sends is dropped.
    """
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
        while drain_client and ws.receive(timeout=0) is not None:
            pass  # nothing is expected from the client; don't let it pile up
        if time.monotonic() >= next_check:
            if not still_allowed():
                return
            next_check = time.monotonic() + recheck
        if isinstance(item, str):
            ws.send(item)
        elif item is not None and handle is not None:
            handle(item)
