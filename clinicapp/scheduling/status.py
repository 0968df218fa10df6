"""The one way an appointment's status changes, from every surface.

The calendar dialog, the front desk, documents 001 and 002 and the periodic
no-show job all call `change_status`: one transition table
(`rules.allowed_transitions`), one permission rule (`may_set_status`), and a
visit step always writes its `Visit` row (when and who) and its audit entries,
then sends `appointment_status_changed` (and `visit_finished` at the end of a
visit) for the other features to react to.

Cancelling is a status change too, with a reason and rules of its own
(`services.cancel_appointment`); `change_status(..., "cancelled")` goes there
after the same permission rule.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _

from ..audit.services import record
from ..core.errors import Conflict, PermissionDenied, ValidationFailed
from ..core.models import utcnow
from ..core.permissions import has_permission
from ..core.signals import appointment_status_changed, send, visit_finished
from ..extensions import db
from .models import STATUSES, VISIT_STATUSES, Appointment, Visit
from .rules import check_transition, status_label
from .services import BOOKABLE_STATUSES, cancel_appointment, ensure_may_act

# Which permission each target status needs (staff); the system (None) may do all.
STEP_PERMISSIONS = {
    "booked": "calendar.manage",  # never a step (no way back): refused as a transition
    "confirmed": "calendar.manage",
    "cancelled": "calendar.manage",
    **{status: "visits.manage" for status in VISIT_STATUSES},
}
# The appointment statuses from which a visit may be opened (document 002's POST /visits).
OPENABLE = ("booked", "confirmed", "arrived", "in_progress", "no_show")
# Roles that move only their own patients (the appointments with the employee whose
# account they are); the front desk and managers move everyone's in their branches.
OWN_PATIENTS_ONLY = ("doctor",)


def is_own_appointment(actor, appointment: Appointment) -> bool:
    """Whether the appointment is with the employee linked to `actor`'s account."""
    employee = appointment.employee
    return employee is not None and employee.user_id is not None \
        and employee.user_id == getattr(actor, "id", None)


def may_set_status(actor, status: str, appointment: Appointment | None = None) -> bool:
    """Whether `actor` (a user, or None for the system) may move `appointment` to `status`.

    The rule of every surface (the calendar's dialog, the desk, the APIs): confirming and
    cancelling need calendar.manage, the visit steps visits.manage, and a doctor moves
    only their own patients. A patient cancels their own appointments (document 001) and
    changes nothing else. Branch access is checked per appointment (`ensure_may_act`).
    Without `appointment` the answer is the role's part alone: whether to offer the step
    at all; `change_status` always asks with the appointment.
    """
    if actor is None:
        return True
    if not getattr(actor, "is_staff", False):
        return status == "cancelled"
    permission = STEP_PERMISSIONS.get(status)
    if permission is None or not has_permission(actor, permission):
        return False
    return appointment is None or actor.role not in OWN_PATIENTS_ONLY \
        or is_own_appointment(actor, appointment)


def _ensure_may_set(actor, appointment: Appointment, status: str) -> None:
    ensure_may_act(actor, appointment)
    if may_set_status(actor, status, appointment):
        return
    if may_set_status(actor, status):  # the role may, but not on this appointment
        raise PermissionDenied(
            _("Это пациент другого врача (%(doctor)s): врач отмечает приход и приём только "
              "своих пациентов", doctor=appointment.employee.full_name),
            code="not_own_patient")
    if status in VISIT_STATUSES:
        raise PermissionDenied(_("Отмечать приход и приём может регистратура, врач "
                                 "или руководитель"))
    raise PermissionDenied(_("Недостаточно прав, чтобы сменить статус записи на "
                             "«%(status)s»", status=status_label(status)))


def visit_of(appointment: Appointment) -> Visit | None:
    """The appointment's visit as the database has it now (a caller may hold an older copy:
    visits change only under the appointment's row lock, which the steps take first)."""
    return db.session.scalar(db.select(Visit).where(Visit.appointment_id == appointment.id)
                             .execution_options(populate_existing=True))


def _stamp(visit: Visit, status: str, actor, now: datetime) -> None:
    """Fill when and by whom the new status happened (earlier steps skipped count as now)."""
    actor_id = getattr(actor, "id", None)
    if status == "no_show":
        visit.no_show_at, visit.no_show_by_id = now, actor_id
        return
    if visit.arrived_at is None:
        visit.arrived_at, visit.arrived_by_id = now, actor_id
    if status in ("in_progress", "completed") and visit.started_at is None:
        visit.started_at, visit.started_by_id = now, actor_id
    if status == "completed":
        visit.finished_at, visit.finished_by_id = now, actor_id


def _visit_step(actor, appointment: Appointment, status: str, now: datetime) -> Visit:
    """Open the appointment's visit at `status`, or move it there; audited."""
    visit = visit_of(appointment)
    if visit is None:
        visit = Visit(appointment_id=appointment.id, appointment=appointment, status=status)
        _stamp(visit, status, actor, now)
        db.session.add(visit)
        db.session.flush()
        record(actor, "visit.created", visit, {"appointment": appointment.id, "status": status})
        return visit
    before = visit.status
    visit.status = status
    _stamp(visit, status, actor, now)
    db.session.flush()
    record(actor, "visit.status_changed", visit, {"status": [before, status]})
    return visit


def _check_known(status: str) -> None:
    if status not in STATUSES:
        raise ValidationFailed(_("status: неизвестный статус"), details={
            "status": [_("Одно из: %(values)s", values=", ".join(STATUSES))]})


def change_status(actor, appointment: Appointment, status: str, *, reason: str | None = None,
                  now: datetime | None = None, note: dict | None = None) -> Appointment:
    """Move the appointment to `status`; the same status again changes nothing.

    booked → confirmed → arrived → in_progress → completed (steps may be skipped),
    booked/confirmed → no_show, no_show → arrived (a late arrival). Visit statuses
    write the appointment's `Visit` row. `reason` is for cancelling; `note` is
    added to the audit entry (the job's grace period).

    Raises ValidationFailed (unknown status), PermissionDenied / NotFound (not the
    caller's, or the role may not set that status), Conflict (a transition that
    is not allowed).
    """
    now = now or utcnow()
    _check_known(status)
    _ensure_may_set(actor, appointment, status)
    # Two desks clicking at once (or a cancel against a step): the second waits here
    # and decides on the first's result.
    db.session.refresh(appointment, with_for_update=True)
    if status == "cancelled":
        return cancel_appointment(actor, appointment, reason, now=now)
    if status != appointment.status:
        _step(actor, appointment, status, now, note)
    return appointment


def _step(actor, appointment: Appointment, status: str, now: datetime,
          note: dict | None = None) -> Visit | None:
    """The change itself, on an appointment already checked and row-locked: the
    transition, the visit row, the audit, the signals. Returns the visit (None before one)."""
    before = appointment.status
    check_transition(before, status)
    appointment.status = status
    db.session.flush()
    visit = _visit_step(actor, appointment, status, now) if status in VISIT_STATUSES else None
    record(actor, "appointment.status_changed", appointment,
           {"status": [before, status], **(note or {})})
    send(appointment_status_changed, appointment=appointment, actor=actor, before=before,
         visit=visit)
    if status == "completed":
        send(visit_finished, visit=visit, appointment=appointment, actor=actor)
    return visit


def open_visit(actor, appointment: Appointment, status: str = "arrived", *,
               now: datetime | None = None) -> Visit:
    """Open the visit of an appointment (document 002: `{appointment, status}`).

    Raises ValidationFailed (not a visit status), Conflict (a visit exists already
    — named —, or the appointment is cancelled or completed), and as change_status.
    """
    if status not in VISIT_STATUSES:
        raise ValidationFailed(_("status: неизвестный статус визита"), details={
            "status": [_("Одно из: %(values)s", values=", ".join(VISIT_STATUSES))]})
    _ensure_may_set(actor, appointment, status)
    db.session.refresh(appointment, with_for_update=True)
    existing = visit_of(appointment)
    if existing is not None:
        raise Conflict(_("По записи №%(appointment)s уже открыт визит №%(visit)s",
                         appointment=appointment.id, visit=existing.id),
                       code="visit_exists",
                       details={"appointment": [_("Уже есть визит №%(visit)s",
                                                  visit=existing.id)],
                                "visit": [existing.id]})
    if appointment.status not in OPENABLE:
        raise Conflict(_("Запись в статусе «%(status)s»: визит открыть нельзя",
                         status=status_label(appointment.status)), code="appointment_closed",
                       details={"appointment": [_("Запись отменена или завершена")]})
    now = now or utcnow()
    if appointment.status == status:  # arrived without a visit row: open it now
        return _visit_step(actor, appointment, status, now)
    return _step(actor, appointment, status, now)


def step_visit(actor, visit: Visit, status: str, *, now: datetime | None = None) -> Visit:
    """Move a visit (and its appointment) to `status` (document 002's visit steps).

    Raises as change_status.
    """
    change_status(actor, visit.appointment, status, now=now)
    return visit


def mark_no_shows(now: datetime | None = None, grace_minutes: int = 30) -> list[Appointment]:
    """Mark `no_show` every booked or confirmed appointment that started more than
    `grace_minutes` ago without an arrival (the periodic job). Returns them.

    Rows another transaction holds are skipped (the next run takes them).
    """
    now = now or utcnow()
    cutoff = now - timedelta(minutes=grace_minutes)
    due = list(db.session.scalars(
        db.select(Appointment).where(Appointment.status.in_(BOOKABLE_STATUSES),
                                     Appointment.starts_at <= cutoff)
        .order_by(Appointment.starts_at, Appointment.id)
        .with_for_update(skip_locked=True)))
    for appointment in due:  # locked and read by the select above
        _step(None, appointment, "no_show", now, {"grace_minutes": grace_minutes})
    return due
