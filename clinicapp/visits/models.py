"""A visit: what happened to an appointment once the patient came (or did not)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import TimestampMixin
from ..extensions import db
from ..scheduling.models import Appointment

VISIT_STATUSES = ("arrived", "in_progress", "completed", "no_show")


class Visit(TimestampMixin, db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in VISIT_STATUSES)})",
                        name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointments.id", ondelete="RESTRICT"), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    appointment: Mapped[Appointment] = relationship()
