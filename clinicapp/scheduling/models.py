"""Doctors' working hours and appointments.

No double booking is a database rule: an exclusion constraint forbids two
non-cancelled appointments of one doctor whose time ranges overlap, across
all branches.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Time,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..catalog.models import Service
from ..core.models import TimestampMixin
from ..extensions import db
from ..org.models import Clinic
from ..patients.models import Patient
from ..staff.models import Employee

STATUSES = ("booked", "confirmed", "arrived", "in_progress", "completed", "cancelled", "no_show")
ACTIVE_STATUSES = ("booked", "confirmed", "arrived", "in_progress")
SOURCES = ("staff", "web", "mobile", "cabinet")
EXCEPTION_KINDS = ("day_off", "vacation", "sick_leave", "extra_shift")
# Times of day become instants of one fixed day, so ranges of them can be compared.
TEMPLATE_DAY = "DATE '2000-01-03'"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class WorkingInterval(db.Model):
    """One interval of a doctor's weekly template in one branch (local time).

    A doctor is in one place at a time: two intervals of one doctor on one
    weekday never overlap, in one branch or across branches (exclusion
    constraint; touching ends, 13:00 and 13:00, are fine).
    """

    __tablename__ = "working_intervals"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_working_intervals_employee_weekday", "employee_id", "weekday"),
        ExcludeConstraint(
            ("employee_id", "="),
            ("weekday", "="),
            (text(f"tsrange({TEMPLATE_DAY} + starts_at, {TEMPLATE_DAY} + ends_at)"), "&&"),
            name="ex_working_intervals_no_overlap",
            using="gist",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)

    clinic: Mapped[Clinic] = relationship()


class ScheduleException(db.Model):
    """A dated change to the template: a day off, vacation, sick leave, or an extra shift.

    Without times it covers the whole day; with times only that part of it.
    """

    __tablename__ = "schedule_exceptions"
    __table_args__ = (
        CheckConstraint(_in("kind", EXCEPTION_KINDS), name="kind_known"),
        CheckConstraint("(starts_at IS NULL) = (ends_at IS NULL)", name="times_together"),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("kind <> 'extra_shift' OR "
                        "(starts_at IS NOT NULL AND clinic_id IS NOT NULL)",
                        name="extra_shift_has_times_and_branch"),
        Index("ix_schedule_exceptions_employee_day", "employee_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[time | None] = mapped_column(Time)
    ends_at: Mapped[time | None] = mapped_column(Time)
    note: Mapped[str | None] = mapped_column(String(255))


class Appointment(TimestampMixin, db.Model):
    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(_in("source", SOURCES), name="source_known"),
        ExcludeConstraint(
            ("employee_id", "="),
            (text("tstzrange(starts_at, ends_at, '[)')"), "&&"),
            name="ex_appointments_no_double_booking",
            using="gist",
            where=text("status <> 'cancelled'"),
        ),
        Index("ix_appointments_clinic_starts", "clinic_id", "starts_at"),
        Index("ix_appointments_patient_starts", "patient_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="RESTRICT"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="RESTRICT"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="booked", server_default="booked")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    source: Mapped[str] = mapped_column(String(10), default="staff", server_default="staff")
    comment: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str | None] = mapped_column(String(255))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outside_hours: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    clinic: Mapped[Clinic] = relationship()
    employee: Mapped[Employee] = relationship()
    patient: Mapped[Patient] = relationship()
    service: Mapped[Service | None] = relationship()
    created_by: Mapped[User | None] = relationship()


VISIT_STATUSES = ("arrived", "in_progress", "completed", "no_show")


class Visit(TimestampMixin, db.Model):
    """What happened to an appointment once its day came: the patient arrived, went in,
    was seen — or never came. One per appointment; each step says when and who."""

    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint(_in("status", VISIT_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointments.id", ondelete="RESTRICT"), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    no_show_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Who marked each step; None for the system (the periodic no-show job) or unknown
    # (steps taken before these columns existed).
    arrived_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    finished_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    no_show_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    appointment: Mapped[Appointment] = relationship()
