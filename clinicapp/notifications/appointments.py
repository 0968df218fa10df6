"""The notifications about appointments: the confirmation of a booking and the day-before
reminder.

Scheduling knows nothing of them: the confirmation answers its `appointment_booked`
signal (inside the booking's transaction, so a refused booking sends nothing), and the
reminder is a periodic job (`send_day_before_reminders`, the `send-reminders` command,
the scheduler's `send-reminders`). Each is keyed per appointment, so a signal sent twice or
a job run every hour still sends one of each.
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import BigInteger, String, func
from sqlalchemy import cast as sa_cast

from ..core.models import utcnow
from ..extensions import db
from ..org.clock import branch_today, zone
from ..org.models import Clinic
from ..outbox.models import OutboxJob
from ..scheduling.models import Appointment
from .services import EMAIL_TOPIC, SMS_TOPIC, contacts, notify

log = logging.getLogger(__name__)

# Whom a confirmation or a reminder is for: a visit still ahead of the patient.
AHEAD = ("booked", "confirmed")


def confirmation_key(appointment: Appointment) -> str:
    return f"confirmation:{appointment.id}"


def reminder_key(appointment: Appointment) -> str:
    """One reminder per appointment and start: a moved appointment is reminded of its new
    day (the key of the old one no longer matches)."""
    return f"reminder:{appointment.id}:{int(appointment.starts_at.timestamp())}"


def _reminder_key_sql():
    """reminder_key, in SQL, for finding the appointments already reminded."""
    epoch = sa_cast(func.floor(func.extract("epoch", Appointment.starts_at)), BigInteger)
    return "reminder:" + sa_cast(Appointment.id, String) + ":" + sa_cast(epoch, String)


def appointment_context(appointment: Appointment) -> dict:
    """The context keys of appointment_confirmation and appointment_reminder
    (docs/notifications.md)."""
    clinic = appointment.clinic
    return {
        "starts_at": appointment.starts_at, "timezone": clinic.timezone,
        "branch": clinic.name, "address": clinic.address or "", "branch_phone": clinic.phone or "",
        "doctor": appointment.employee.full_name,
        "service": appointment.service.name if appointment.service else "",
    }


def confirm_booking(sender, *, appointment: Appointment, actor=None, **_details) -> None:
    """`appointment_booked`: tell the patient when and where, if they have an address.

    Not for a visit recorded as it happens (a walk-in already in the building, a past
    visit written down afterwards): only for one still ahead and still booked.
    """
    if appointment.status not in AHEAD or appointment.starts_at <= utcnow():
        return
    notify(appointment.patient, "appointment_confirmation",
           context=appointment_context(appointment), key=confirmation_key(appointment))


def tomorrow_bounds(clinic: Clinic, now: datetime) -> tuple[datetime, datetime]:
    """Tomorrow on the branch's clock, as the UTC instants of its start and end."""
    day = branch_today(clinic, now) + timedelta(days=1)
    where = zone(clinic.timezone)
    return (datetime.combine(day, time(), tzinfo=where),
            datetime.combine(day + timedelta(days=1), time(), tzinfo=where))


# An appointment booked less than this ahead of its start was confirmed just now: the
# confirmation already says when and where, a reminder hours later would repeat it.
REMINDER_LEAD = timedelta(hours=24)


def due_reminders(now: datetime) -> list[Appointment]:
    """Tomorrow's appointments (each branch's own tomorrow) still booked or confirmed and not
    reminded yet (no outbox job under their reminder key), booked at least a day ahead —
    looked for once the branch's clock has reached REMINDER_HOUR."""
    reminded = db.select(OutboxJob.id).where(
        OutboxJob.topic.in_((EMAIL_TOPIC, SMS_TOPIC)),
        OutboxJob.key == _reminder_key_sql()).exists()
    due: list[Appointment] = []
    send_from = current_app.config["REMINDER_HOUR"]
    for clinic in db.session.scalars(db.select(Clinic).where(Clinic.is_active)):
        if now.astimezone(zone(clinic.timezone)).hour < send_from:
            continue  # not in the night: the branch's reminders wait for its morning
        start, end = tomorrow_bounds(clinic, now)
        due.extend(db.session.scalars(
            db.select(Appointment)
            .where(Appointment.clinic_id == clinic.id, Appointment.status.in_(AHEAD),
                   Appointment.starts_at >= start, Appointment.starts_at < end, ~reminded,
                   Appointment.created_at <= Appointment.starts_at - REMINDER_LEAD)
            .order_by(Appointment.starts_at, Appointment.id)))
    return due


def send_day_before_reminders(now: datetime | None = None) -> int:
    """Remind every patient of tomorrow's appointment (on the branch's clock), once.

    Run hourly by the scheduler: appointments already reminded are not looked at again,
    and the outbox key `reminder:<appointment id>:<start>` keeps even two runs at once to one
    message per channel. A patient with neither e-mail nor phone is skipped (and looked at
    again next time: an address added meanwhile still gets the reminder). Returns how
    many patients were reminded; the caller commits.
    """
    reminded = 0
    for appointment in due_reminders(now or utcnow()):
        where = contacts(appointment.patient)
        if not where.email and not where.phone:
            continue
        notify(appointment.patient, "appointment_reminder",
               context=appointment_context(appointment), key=reminder_key(appointment))
        reminded += 1
    log.info("day-before reminders queued: %s", reminded)
    return reminded
