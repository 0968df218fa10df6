"""The schedule of periodic jobs: how often each runs and how its last run went."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Integer, String, Text, func, true
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

MAX_EVERY_MINUTES = 7 * 24 * 60
OUTCOMES = ("ok", "failed")


class ScheduledJob(db.Model):
    """One periodic job's settings and last run; the row of a job a feature registered."""

    __tablename__ = "scheduled_jobs"
    __table_args__ = (
        CheckConstraint(f"every_minutes BETWEEN 1 AND {MAX_EVERY_MINUTES}",
                        name="every_minutes_range"),
        CheckConstraint(f"last_outcome IN ({', '.join(repr(o) for o in OUTCOMES)})",
                        name="last_outcome_known"),
    )

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    every_minutes: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    next_run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())
    last_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_outcome: Mapped[str | None] = mapped_column(String(12))
    last_message: Mapped[str | None] = mapped_column(Text)
