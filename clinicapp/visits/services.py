"""The front desk: a patient arrives, goes in to the doctor, leaves — or never comes.

A visit belongs to one appointment and moves its status along (arrived →
in_progress → completed, or no_show); the appointment's change is audited and
published to the branch's calendars by the scheduling services.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..core.errors import Conflict, PermissionDenied, ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from ..scheduling.models import Appointment
from ..scheduling.rules import status_label
from ..scheduling.services import ensure_may_act, set_status
from .models import VISIT_STATUSES, Visit

# Where a visit may go from each status.
TRANSITIONS = {
    "arrived": {"in_progress", "completed"},
    "in_progress": {"completed"},
    "no_show": {"arrived"},
    "completed": set(),
}
# The appointment statuses a visit may start from.
OPEN_APPOINTMENT = ("booked", "confirmed", "arrived", "in_progress", "no_show")
VISIT_LABELS = {"arrived": "Пришёл", "in_progress": "На приёме", "completed": "Приём завершён",
                "no_show": "Не пришёл"}


def _ensure_staff(actor, appointment: Appointment) -> None:
    ensure_may_act(actor, appointment)
    if actor is not None and not actor.is_staff:
        raise PermissionDenied("Отмечать визиты может только персонал клиники")


def _stamp(visit: Visit, status: str, now: datetime) -> None:
    """Fill the times the new status implies (earlier steps skipped count as now)."""
    if status != "no_show":
        visit.arrived_at = visit.arrived_at or now
    if status in ("in_progress", "completed"):
        visit.started_at = visit.started_at or now
    if status == "completed":
        visit.finished_at = now


def visit_of(appointment: Appointment) -> Visit | None:
    return db.session.scalar(db.select(Visit).where(Visit.appointment_id == appointment.id))


def create_visit(actor, appointment: Appointment, status: str = "arrived", *,
                 now: datetime | None = None) -> Visit:
    """Open the visit of an appointment (document 002: `{appointment, status}`).

    The appointment moves to the same status. Raises ValidationFailed (unknown
    status), Conflict (a visit exists already — named —, or the appointment is
    cancelled or completed), PermissionDenied / NotFound (not the caller's).
    """
    now = now or utcnow()
    _ensure_staff(actor, appointment)
    if status not in VISIT_STATUSES:
        raise ValidationFailed("status: неизвестный статус визита",
                               details={"status": [f"Одно из: {', '.join(VISIT_STATUSES)}"]})
    existing = visit_of(appointment)
    if existing is not None:
        raise Conflict(f"По записи №{appointment.id} уже открыт визит №{existing.id}",
                       code="visit_exists",
                       details={"appointment": [f"Уже есть визит №{existing.id}"],
                                "visit": [existing.id]})
    if appointment.status not in OPEN_APPOINTMENT:
        raise Conflict(f"Запись в статусе «{status_label(appointment.status)}»: "
                       "визит открыть нельзя", code="appointment_closed",
                       details={"appointment": ["Запись отменена или завершена"]})
    visit = Visit(appointment_id=appointment.id, appointment=appointment, status=status)
    _stamp(visit, status, now)
    try:
        with db.session.begin_nested():
            db.session.add(visit)
            db.session.flush()
    except IntegrityError as error:  # another desk opened it a moment ago
        raise Conflict(f"По записи №{appointment.id} уже открыт визит", code="visit_exists",
                       details={"appointment": ["Визит уже открыт"]}) from error
    set_status(actor, appointment, status, now=now)
    record(actor, "visit.created", visit, {"appointment": appointment.id, "status": status})
    return visit


def change_visit(actor, visit: Visit, status: str, *, now: datetime | None = None) -> Visit:
    """Move a visit (and its appointment) to `status`; the same status again changes nothing.

    Raises Conflict (a step that is not allowed), PermissionDenied / NotFound.
    """
    now = now or utcnow()
    appointment = visit.appointment
    _ensure_staff(actor, appointment)
    if status == visit.status:
        return visit
    if status not in TRANSITIONS.get(visit.status, set()):
        raise Conflict(f"Визит «{VISIT_LABELS[visit.status]}»: нельзя перейти в "
                       f"«{VISIT_LABELS.get(status, status)}»", code="status_transition",
                       details={"status": [f"Из «{VISIT_LABELS[visit.status]}» нельзя"]})
    before = visit.status
    visit.status = status
    _stamp(visit, status, now)
    set_status(actor, appointment, status, now=now)
    record(actor, "visit.status_changed", visit, {"status": [before, status]})
    return visit


def mark_arrived(actor, visit: Visit, *, now: datetime | None = None) -> Visit:
    """The patient is here (also after a no-show: they came late)."""
    return change_visit(actor, visit, "arrived", now=now)


def start_visit(actor, visit: Visit, *, now: datetime | None = None) -> Visit:
    """The patient went in to the doctor."""
    return change_visit(actor, visit, "in_progress", now=now)


def finish_visit(actor, visit: Visit, *, now: datetime | None = None) -> Visit:
    """The appointment is over."""
    return change_visit(actor, visit, "completed", now=now)


def record_status(actor, appointment: Appointment, status: str, *,
                  now: datetime | None = None) -> Visit:
    """The one-click action of the queue page and of a PATCHed appointment status:
    open the visit with `status`, or move the existing one there.

    Raises as create_visit / change_visit.
    """
    visit = visit_of(appointment)
    if visit is None:
        return create_visit(actor, appointment, status, now=now)
    return change_visit(actor, visit, status, now=now)


def mark_no_show(actor, appointment: Appointment, *, now: datetime | None = None) -> Visit:
    """The patient did not come (before the periodic job notices)."""
    return record_status(actor, appointment, "no_show", now=now)
