"""Who delivers which topic: handlers that features register from their init_app."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Flask, current_app

HANDLERS_KEY = "clinicapp.outbox.handlers"


class NotConfigured(Exception):
    """The target of a job is not configured yet: the job waits, no attempt is counted."""


@dataclass(frozen=True)
class Handler:
    topic: str
    deliver: Callable[[dict], None]
    label: str  # lazy_gettext: what the admin page calls the topic


def register_handler(app: Flask, topic: str, deliver: Callable[[dict], None], *,
                     label: str) -> None:
    """Deliver jobs of `topic` with `deliver(payload)`.

    The worker calls it inside the job's transaction: what it writes through
    db.session commits with the job's delivered mark, or rolls back when it
    raises. Raise NotConfigured to make the job wait for its settings; any other
    exception is a failed attempt, retried later.
    """
    app.extensions.setdefault(HANDLERS_KEY, {})[topic] = Handler(topic, deliver, label)


def handler_for(topic: str) -> Handler | None:
    return current_app.extensions.get(HANDLERS_KEY, {}).get(topic)


def topic_labels() -> dict[str, str]:
    return {topic: handler.label
            for topic, handler in current_app.extensions.get(HANDLERS_KEY, {}).items()}
