"""Writing outbound jobs, and an administrator putting failed ones back."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from ..core.errors import Conflict, NotFound
from ..extensions import db
from .models import OutboxJob

NOTIFY_CHANNEL = "clinicapp_outbox"  # LISTENed to by idle workers (see worker.wait_for_work)


def _wake_workers() -> None:
    """Wake idle workers once the transaction commits (PostgreSQL holds it until then)."""
    db.session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})


def enqueue(topic: str, payload: dict, *, key: str | None = None,
            not_before: datetime | None = None) -> OutboxJob:
    """Queue `payload` for the handler of `topic`, in the caller's transaction.

    Nothing is committed here: the job exists exactly when the work that caused
    it does. With `key`, queueing the same (topic, key) again returns the job
    already there instead of a second one. The payload must be plain JSON
    (ids rather than personal data: administrators read it on /admin/outbox).
    """
    json.dumps(payload)  # a value JSON cannot carry fails here, in the caller, not in the worker
    values = {"topic": topic, "key": key, "payload": payload}
    if not_before is not None:
        values["not_before"] = not_before
    statement = insert(OutboxJob).values(**values)
    if key is not None:
        statement = statement.on_conflict_do_nothing(constraint="uq_outbox_jobs_topic_key")
    job_id = db.session.execute(statement.returning(OutboxJob.id)).scalar()
    if job_id is None:  # the key was queued before
        job_id = db.session.execute(select(OutboxJob.id).where(
            OutboxJob.topic == topic, OutboxJob.key == key)).scalar_one()
    else:
        _wake_workers()
    return db.session.get(OutboxJob, job_id)


def requeue(job_id: int) -> OutboxJob:
    """Put a dead or waiting job back at the head of the queue with a fresh count of attempts."""
    job = db.session.get(OutboxJob, job_id, with_for_update=True)
    if job is None:
        raise NotFound("Задание не найдено")
    if job.status == "delivered":
        raise Conflict("Задание уже доставлено — повторять нечего")
    job.status, job.attempts, job.not_before, job.last_error = "queued", 0, func.now(), None
    _wake_workers()
    return job


def requeue_dead(topic: str | None = None) -> int:
    """Put every dead job (of one topic, or all) back in the queue; how many."""
    statement = update(OutboxJob).where(OutboxJob.status == "dead").values(
        status="queued", attempts=0, not_before=func.now(), last_error=None)
    if topic:
        statement = statement.where(OutboxJob.topic == topic)
    count = db.session.execute(statement).rowcount
    if count:
        _wake_workers()
    return count


def purge_delivered() -> str:
    """Delete delivered jobs older than OUTBOX_KEEP_DAYS: they carry addresses and texts
    of messages, kept no longer than they help to answer «did it go?». Failed (dead)
    jobs stay until an administrator sends them again. The scheduler's job."""
    days = current_app.config["OUTBOX_KEEP_DAYS"]
    deleted = db.session.execute(delete(OutboxJob).where(
        OutboxJob.status == "delivered",
        OutboxJob.delivered_at < func.now() - timedelta(days=days))).rowcount
    return _("Удалено доставленных заданий старше %(days)s дн.: %(count)s",
             days=days, count=deleted)
