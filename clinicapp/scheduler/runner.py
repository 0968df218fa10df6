"""Running due jobs, each under a PostgreSQL advisory lock so only one instance runs it.

The lock is taken on a connection of its own and held while the job runs (the
job's own transactions commit on the session's connection meanwhile). A second
scheduler finding the lock taken skips the job; one that gets the lock right
after the first finished sees the job no longer due and skips it too.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert

from ..extensions import db
from .models import ScheduledJob
from .registry import Job, registered_jobs

log = logging.getLogger("clinicapp.scheduler")

LOCK_NAMESPACE = 72_401  # the first key of every scheduler advisory lock
MESSAGE_LIMIT = 500


@dataclass(frozen=True)
class Outcome:
    name: str
    state: str  # ok | failed | busy (another instance holds it) | not_due
    message: str = ""


def ensure_schedule() -> None:
    """A schedule row for every registered job (its default interval, due now)."""
    jobs = registered_jobs()
    if jobs:
        db.session.execute(insert(ScheduledJob).values(
            [{"name": job.name, "every_minutes": job.every_minutes} for job in jobs.values()]
        ).on_conflict_do_nothing(index_elements=["name"]))
    db.session.commit()


def due_jobs() -> list[str]:
    names = db.session.scalars(select(ScheduledJob.name).where(
        ScheduledJob.enabled, ScheduledJob.next_run_at <= func.now(),
        ScheduledJob.name.in_(registered_jobs())).order_by(ScheduledJob.next_run_at))
    return list(names)


def _still_due(name: str) -> bool:
    db.session.rollback()  # a fresh snapshot: another instance may have just run it
    row = db.session.get(ScheduledJob, name)
    return row is not None and row.enabled and row.next_run_at <= db.session.scalar(
        select(func.now()))


def _execute(job: Job) -> Outcome:
    row = db.session.get(ScheduledJob, job.name)
    row.last_started_at = func.now()
    db.session.commit()
    try:
        message = job.run() or ""
        db.session.commit()
        state = "ok"
    except Exception as error:  # noqa: BLE001 - one job's failure is recorded, the rest run
        db.session.rollback()
        log.exception("scheduled job %s failed", job.name)
        state, message = "failed", f"{type(error).__name__}: {error}"
    row = db.session.get(ScheduledJob, job.name)
    row.last_finished_at, row.last_outcome = func.now(), state
    row.last_message = str(message)[:MESSAGE_LIMIT]
    row.next_run_at = func.now() + timedelta(minutes=row.every_minutes)
    db.session.commit()
    return Outcome(job.name, state, str(message))


def run_job(name: str, *, only_if_due: bool = True) -> Outcome:
    """Run one registered job unless another instance is running it (or, with
    `only_if_due`, it is not due any more)."""
    job = registered_jobs()[name]
    with db.engine.connect() as lock_connection:
        key = {"namespace": LOCK_NAMESPACE, "name": name}
        locked = lock_connection.scalar(
            text("SELECT pg_try_advisory_lock(:namespace, hashtext(:name))"), key)
        lock_connection.commit()
        if not locked:
            return Outcome(name, "busy")
        try:
            if only_if_due and not _still_due(name):
                return Outcome(name, "not_due")
            return _execute(job)
        finally:
            lock_connection.execute(
                text("SELECT pg_advisory_unlock(:namespace, hashtext(:name))"), key)
            lock_connection.commit()


def tick() -> list[Outcome]:
    """Run every job that is due now, one after another."""
    ensure_schedule()
    return [run_job(name) for name in due_jobs()]


def run(stop: threading.Event, every_seconds: float) -> None:
    """Tick until `stop` is set."""
    while not stop.is_set():
        try:
            for outcome in tick():
                log.info("scheduled job %s: %s", outcome.name, outcome.state)
        except Exception:  # noqa: BLE001 - a lost database: wait and try again
            log.exception("scheduler: pass failed")
            db.session.rollback()
        db.session.remove()
        stop.wait(every_seconds)
