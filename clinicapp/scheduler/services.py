"""An administrator's changes to the schedule."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func

from ..core.errors import NotFound, ValidationFailed
from ..extensions import db
from .models import MAX_EVERY_MINUTES, ScheduledJob
from .registry import registered_jobs


def _job(name: str) -> ScheduledJob:
    row = db.session.get(ScheduledJob, name, with_for_update=True)
    if row is None or name not in registered_jobs():
        raise NotFound(_("Такой задачи нет"))
    return row


def set_schedule(name: str, *, every_minutes: int | None, enabled: bool) -> ScheduledJob:
    """How often a job runs, and whether it runs at all; the next run moves to match."""
    if every_minutes is None or not 1 <= every_minutes <= MAX_EVERY_MINUTES:
        message = _("Интервал — целое число минут от 1 до %(max)s", max=MAX_EVERY_MINUTES)
        raise ValidationFailed(message, details={"every_minutes": [message]})
    row = _job(name)
    if every_minutes != row.every_minutes:
        start = row.last_started_at if row.last_started_at is not None else func.now()
        row.next_run_at = func.greatest(start + timedelta(minutes=every_minutes), func.now())
    row.every_minutes, row.enabled = every_minutes, enabled
    return row


def run_soon(name: str) -> ScheduledJob:
    """Make the job due now: the scheduler's next tick runs it."""
    row = _job(name)
    row.next_run_at = func.now()
    return row

