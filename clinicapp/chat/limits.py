"""How fast one user may send chat messages (CHAT_RATE_LIMIT, default 5/second;60/minute).

Every message writes a row and an outbox job, so a client looping on `send` is refused
with the error frame `rate_limited` instead. The counters live in the project's limiter
storage (RATELIMIT_STORAGE_URI: Redis when REDIS_URL is set), keyed by the user, so the
budget holds across every socket, tab and server process of that user. Off with the
other limits (RATELIMIT_ENABLED=0).
"""
from __future__ import annotations

import logging
import threading

from flask import current_app
from flask_babel import gettext as _
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..core.errors import DomainError

DEFAULT = "5/second;60/minute"
log = logging.getLogger("clinicapp.chat")
_limiters: dict[str, MovingWindowRateLimiter] = {}
_lock = threading.Lock()


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"


def _limiter(storage_uri: str) -> MovingWindowRateLimiter:
    """One limiter per storage per process (its connection pool is reused)."""
    with _lock:
        limiter = _limiters.get(storage_uri)
        if limiter is None:
            limiter = _limiters[storage_uri] = MovingWindowRateLimiter(
                storage_from_string(storage_uri))
        return limiter


def check_message_rate(user) -> None:
    """Count one message of `user`; raises RateLimited when a window is full."""
    config = current_app.config
    if user is None or not config.get("RATELIMIT_ENABLED", True):
        return
    limiter = _limiter(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    key = f"chat-message:user:{user.id}"
    # Every window is counted (hit), not only the first that is full: a burst held back
    # by the per-second limit still uses its per-minute budget.
    try:
        allowed = [limiter.hit(item, key) for item in parse_many(
            config.get("CHAT_RATE_LIMIT") or DEFAULT)]
    except Exception:  # noqa: BLE001 - the storage (Redis) away: the chat keeps working
        log.exception("chat rate limit storage failed; message let through")
        return
    if not all(allowed):
        raise RateLimited(_("Слишком много запросов, попробуйте позже"))
