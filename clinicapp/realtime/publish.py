"""Publishing an event to a channel once the transaction commits."""
from __future__ import annotations

import json
import logging

from flask import current_app

from ..core.after_commit import after_commit
from ..extensions import socketio
from .feed import feed

log = logging.getLogger("clinicapp.realtime")


def publish(channel: str, event: str, payload: dict) -> None:
    """Send `payload` as `event` to the Socket.IO room `channel` and to the raw
    WebSocket subscribers of `channel`, after the current transaction commits
    (never for rolled-back work).

    The payload is serialized now, inside the request, so a value JSON cannot
    carry fails before the commit rather than after it.
    """
    text = current_app.json.dumps(payload)
    redis_url = current_app.config.get("REDIS_URL") or None

    def send() -> None:
        # The commit has happened: a failing delivery is logged, never raised.
        try:
            socketio.emit(event, json.loads(text), to=channel)
        except Exception:  # noqa: BLE001
            log.exception("socket.io emit failed", extra={"channel": channel})
        feed.publish(channel, text, redis_url)

    after_commit(send)
