"""Delivering queued jobs: claim one with SKIP LOCKED, call its handler, record the outcome.

The job's row stays locked while its handler runs, inside one transaction. So two
workers never deliver the same job, and a worker that dies mid-job loses nothing:
its transaction is rolled back, the lock released, and the job is due again. The
handler's own writes (a stored Chatwoot id, say) commit with the delivered mark.
Delivery is at least once: a target that answered just before the worker died is
asked again, so handlers look before they create where the target allows it.
"""
from __future__ import annotations

import logging
import select as io_select
import threading
from collections import Counter
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from .models import OutboxJob
from .registry import NotConfigured, handler_for
from .services import NOTIFY_CHANNEL

log = logging.getLogger("clinicapp.outbox")

ERROR_LIMIT = 1000  # characters of the last error kept on the job


def _claim(skip: set[int]) -> OutboxJob | None:
    statement = select(OutboxJob).where(OutboxJob.status == "queued",
                                        OutboxJob.not_before <= func.now())
    if skip:
        statement = statement.where(OutboxJob.id.not_in(skip))
    return db.session.scalars(
        statement.order_by(OutboxJob.not_before, OutboxJob.id)
        .limit(1).with_for_update(skip_locked=True)).first()


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failure, capped."""
    config = current_app.config
    seconds = config["OUTBOX_RETRY_SECONDS"] * 2 ** (attempts - 1)
    return timedelta(seconds=min(seconds, config["OUTBOX_RETRY_MAX_SECONDS"]))


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_LIMIT]


def _deliver(job: OutboxJob) -> str:
    handler = handler_for(job.topic)
    job.last_attempt_at = func.now()
    try:
        with db.session.begin_nested():  # a failing handler's writes go, the job's record stays
            if handler is None:
                raise NotConfigured(f"no handler for the topic {job.topic}")
            handler.deliver(dict(job.payload))
    except NotConfigured as error:
        job.last_error = _describe(error)
        job.not_before = func.now() + timedelta(
            seconds=current_app.config["OUTBOX_UNCONFIGURED_WAIT_SECONDS"])
        return "waiting"
    except Exception as error:  # noqa: BLE001 - any failure of the target is an attempt
        job.attempts += 1
        job.last_error = _describe(error)
        # The class only: an error's text may carry an address or a name.
        log.warning("outbox job %s (%s) failed, attempt %s: %s", job.id, job.topic,
                    job.attempts, type(error).__name__)
        if job.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
            job.status = "dead"
            return "dead"
        job.not_before = func.now() + retry_delay(job.attempts)
        return "failed"
    job.status, job.delivered_at, job.last_error = "delivered", func.now(), None
    return "delivered"


def deliver_next(skip: set[int] | None = None) -> tuple[int, str] | None:
    """Deliver one due job (not one of `skip`) and commit: (its id, the outcome),
    or None when nothing is due."""
    job = _claim(skip or set())
    if job is None:
        db.session.rollback()
        return None
    job_id, outcome = job.id, _deliver(job)
    db.session.commit()
    return job_id, outcome


def deliver_due(stop: threading.Event | None = None) -> Counter:
    """One attempt at every job due now: a job that fails waits for its next turn
    even when its retry is already due, so one pass always ends."""
    outcomes: Counter = Counter()
    attempted: set[int] = set()
    while stop is None or not stop.is_set():
        result = deliver_next(attempted)
        if result is None:
            break
        attempted.add(result[0])
        outcomes[result[1]] += 1
    return outcomes


class Listener:
    """A connection LISTENing for new jobs, so an idle worker wakes at once."""

    def __init__(self) -> None:
        raw = db.engine.raw_connection()
        raw.detach()  # ours for the worker's life, not the pool's
        self.connection = raw.driver_connection
        self.connection.autocommit = True
        self.connection.cursor().execute(f"LISTEN {NOTIFY_CHANNEL}")

    def wait(self, seconds: float) -> None:
        """Return on a notification or after `seconds`."""
        if io_select.select([self.connection], [], [], seconds)[0]:
            self.connection.poll()
            self.connection.notifies.clear()

    def close(self) -> None:
        self.connection.close()


def run(stop: threading.Event) -> Counter:
    """Deliver until `stop` is set: due jobs, then sleep until notified or the poll interval."""
    total: Counter = Counter()
    listener = Listener()
    try:
        while not stop.is_set():
            total.update(deliver_due(stop))
            db.session.remove()
            listener.wait(current_app.config["OUTBOX_POLL_SECONDS"])
    finally:
        listener.close()
    return total
