"""Booking, moving, changing and cancelling appointments.

No double booking is the database's rule: the exclusion constraint
`ex_appointments_no_double_booking` refuses two non-cancelled appointments of
one doctor whose times overlap, in any branch and under any concurrency. The
services write inside a SAVEPOINT, so a refused write leaves the caller's
transaction usable, and turn the refusal into a Conflict naming the clash.

Every change is audited and announced with a domain signal (core.signals) for the
other features: the live calendar, later billing and notifications. Status steps
live in status.py. Services flush; the request, CLI command or worker commits.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..core.models import utcnow
from ..core.permissions import can_see_branch, has_permission
from ..core.signals import (
    appointment_booked,
    appointment_cancelled,
    appointment_moved,
    appointment_updated,
    send,
)
from ..extensions import db
from ..org.clock import branch_today, branch_zone, date_text
from . import queries
from .models import ACTIVE_STATUSES, Appointment
from .rules import (
    RECORD_PAST,
    as_utc,
    check_doctor,
    check_service,
    check_times,
    clean_comment,
    clean_reason,
    raise_if_any,
    span_text,
    status_label,
)
from .serializers import iso_utc
from .slots import STEPS, within_working_hours, working_intervals

OVERLAP_CONSTRAINT = "ex_appointments_no_double_booking"
EXCLUSION_VIOLATION = "23P01"
BOOKABLE_STATUSES = ("booked", "confirmed")
UNSET = object()
# A walk-in starts "now" on the calendar's grid: up to one (coarsest) grid step ago.
WALK_IN_GRACE = timedelta(minutes=max(STEPS))
# How the creation's audit entry marks a start before the moment it was booked.
AUDIT_MARKS = {"walk_in": "walk_in", "past": "after_the_fact"}


# --- checks --------------------------------------------------------------------------

def _is_staff(actor) -> bool:
    return bool(getattr(actor, "is_staff", False))


def ensure_may_act(actor, appointment: Appointment) -> None:
    """Staff act in their branches, a patient on their own appointments; None is the system.

    Raises PermissionDenied (staff, another branch) or NotFound (someone else's).
    """
    if actor is None or queries.may_act_on(actor, appointment):
        return
    if _is_staff(actor):
        raise PermissionDenied(_("Запись в филиале, к которому у вас нет доступа"),
                               code="branch_forbidden")
    raise NotFound(_("Запись не найдена"))


def _hours_text(doctor, clinic, start: datetime) -> str:
    day = start.astimezone(branch_zone(clinic)).date()
    intervals = working_intervals(doctor.id, clinic, day, day)[day]
    zone = branch_zone(clinic)
    if not intervals:
        return _("%(day)s врач не принимает в этом филиале", day=date_text(day))
    hours = ", ".join(f"{s.astimezone(zone):%H:%M}–{e.astimezone(zone):%H:%M}"
                      for s, e in intervals)
    return _("часы приёма %(day)s: %(hours)s", day=date_text(day), hours=hours)


def _outside_hours(actor, clinic, doctor, start: datetime, end: datetime,
                   override: bool) -> bool:
    """True when booked outside working hours by an explicit staff override.

    Raises ValidationFailed (code outside_working_hours) without the override.
    """
    if within_working_hours(doctor.id, clinic, start, end):
        return False
    if override and _is_staff(actor) and has_permission(actor, "calendar.manage"):
        return True
    message = _("Вне рабочего времени врача (%(hours)s)",
                hours=_hours_text(doctor, clinic, start))
    raise ValidationFailed(message, code="outside_working_hours",
                           details={"start_datetime": [message]})


def _patient_warnings(appointment: Appointment) -> list[dict]:
    """The patient's other active appointments at the same time (allowed, but worth a word)."""
    warnings = []
    for other in queries.patient_overlaps(appointment.patient_id, appointment.starts_at,
                                          appointment.ends_at, exclude_id=appointment.id):
        warnings.append({
            "code": "patient_overlap", "appointment": other.id,
            "detail": _("Пациент в это время уже записан: %(time)s, %(doctor)s, %(branch)s",
                        time=span_text(other), doctor=other.employee.full_name,
                        branch=other.clinic.name)})
    return warnings


# --- writing under the constraint ----------------------------------------------------

# The key space of the per-doctor advisory locks (pg_advisory_xact_lock(space, doctor)).
DOCTOR_LOCK_SPACE = 0x5C4E


def _is_double_booking(error: IntegrityError) -> bool:
    original = error.orig
    if getattr(original, "pgcode", None) != EXCLUSION_VIOLATION:
        return False
    name = getattr(getattr(original, "diag", None), "constraint_name", None)
    return name in (None, OVERLAP_CONSTRAINT)


def _clash_text(other: Appointment, clinic, day, reveal_patient: bool) -> str:
    """«Занято: Иванова А. А., 10:00–10:30» on `clinic`'s wall clock (the page's): the
    clash's patient for staff, only its time for a patient (someone else's name is private).
    The date is added when the clash starts on another day than `day`; the branch when it is
    another branch's."""
    zone = branch_zone(clinic)
    start, end = other.starts_at.astimezone(zone), other.ends_at.astimezone(zone)
    time = f"{start:%H:%M}–{end:%H:%M}"
    if start.date() != day:
        time = f"{date_text(start)} {time}"
    if not reveal_patient:
        return _("Время занято: %(time)s", time=time)
    if other.clinic_id != clinic.id:
        return _("Занято: %(patient)s, %(time)s (%(branch)s)", patient=other.patient.short_name,
                 time=time, branch=other.clinic.name)
    return _("Занято: %(patient)s, %(time)s", patient=other.patient.short_name, time=time)


def overlap_conflict(doctor_id: int, start: datetime, end: datetime,
                     exclude_id: int | None = None, *, clinic=None,
                     reveal_patient: bool = True) -> Conflict:
    """A Conflict naming the doctor's appointment that overlaps [start, end): its patient
    (short name, unless `reveal_patient` is false: a patient booking) and its time on
    `clinic`'s clock (the clash's own branch by default). `details.conflicts` lists the ids."""
    clashes = queries.overlapping(doctor_id, start, end, exclude_id)
    if not clashes:
        return Conflict(_("Это время у врача уже занято"), code="slot_taken",
                        details={"start_datetime": [_("Время занято")]})
    other = clashes[0]
    clinic = clinic or other.clinic
    message = _clash_text(other, clinic, start.astimezone(branch_zone(clinic)).date(),
                          reveal_patient)
    return Conflict(message, code="slot_taken",
                    details={"start_datetime": [message], "conflicts": [c.id for c in clashes]})


def lock_doctors(*doctor_ids: int) -> None:
    """Take turns with every other writer of these doctors' appointments until the
    transaction ends (a transaction-level advisory lock per doctor, in id order).

    Two bookings checking the exclusion constraint at the same instant would each wait
    for the other's uncommitted row, and PostgreSQL would abort one as a deadlock (seen
    under 32 racing clients on PostgreSQL 18). Queued on the doctor, the second writer
    meets the first one's committed row: a clean 409.
    """
    for doctor_id in sorted(set(doctor_ids)):
        db.session.execute(select(func.pg_advisory_xact_lock(DOCTOR_LOCK_SPACE, doctor_id)))


def _write(appointment: Appointment, *, new: bool, clinic, reveal_patient: bool = True,
           **values) -> None:
    """Add the appointment or set `values` on it, and flush, inside a SAVEPOINT, after
    taking the doctors' turn (`lock_doctors`: the new doctor's, and the old one's on a move).

    A double booking rolls back just the savepoint (the object is as before)
    and becomes a Conflict naming the clash (its patient only if `reveal_patient`,
    its time on `clinic`'s clock).
    """
    doctor_id = values.get("employee_id", appointment.employee_id)
    start = values.get("starts_at", appointment.starts_at)
    end = values.get("ends_at", appointment.ends_at)
    exclude_id = None if new else appointment.id
    lock_doctors(doctor_id, *(() if new else (appointment.employee_id,)))
    try:
        with db.session.begin_nested():
            if new:
                db.session.add(appointment)
            for name, value in values.items():
                setattr(appointment, name, value)
            db.session.flush()
    except IntegrityError as error:
        if not _is_double_booking(error):
            raise
        raise overlap_conflict(doctor_id, start, end, exclude_id, clinic=clinic,
                               reveal_patient=reveal_patient) from error


# --- the verbs -----------------------------------------------------------------------

def past_start(start: datetime, now: datetime, *, walk_in: bool = False) -> str | None:
    """What a start is to `now`: None (not past), "walk_in" (a walk-in starts "now" on the
    grid: up to WALK_IN_GRACE ago) or "past" (only recorded after the fact, today)."""
    if start >= now:
        return None
    if walk_in and start >= now - WALK_IN_GRACE:
        return "walk_in"
    return "past"


def _check_past(actor, clinic, start: datetime, now: datetime, record_past: bool,
                errors: dict) -> None:
    """Collect in `errors` a past start that may not be recorded after the fact: unless
    asked (`record_past`), on another day than today in the branch, or by someone
    without the `calendar.record_past` permission."""
    if not record_past:
        errors["start_datetime"] = [_("Нельзя записать на прошедшее время")]
    elif start.astimezone(branch_zone(clinic)).date() != branch_today(clinic, now):
        errors["start_datetime"] = [_("Нельзя записать на прошедшее время: задним числом "
                                      "вносят только сегодняшние приёмы")]
    elif not (_is_staff(actor) and has_permission(actor, RECORD_PAST)):
        errors["start_datetime"] = [_("Нельзя записать на прошедшее время: вносить приёмы "
                                      "задним числом вам не разрешено")]


def _check_booking(actor, clinic, doctor, patient, service, status: str, errors: dict) -> None:
    """Who books whom, where and what (PermissionDenied; the rest collected in `errors`)."""
    if _is_staff(actor) and not can_see_branch(actor, clinic.id):
        raise PermissionDenied(_("Нет доступа к этому филиалу"), code="branch_forbidden")
    if actor is not None and not _is_staff(actor) and patient.user_id != actor.id:
        raise PermissionDenied(_("Записать можно только себя"))
    if not clinic.is_active:
        errors["branch"] = [_("Филиал закрыт")]
    if patient.organization_id != clinic.organization_id:
        errors["patient"] = [_("Пациент другой организации")]
    if status not in BOOKABLE_STATUSES:
        errors["status"] = [_("Новая запись — booked или confirmed")]
    check_doctor(clinic, doctor, errors)
    check_service(service, clinic, doctor, errors)


def book_appointment(actor, *, clinic, doctor, patient, service=None, starts_at: datetime,
                     ends_at: datetime | None = None, source: str = "staff",
                     is_primary: bool = False, comment: str | None = None,
                     override_hours: bool = False, status: str = "booked",
                     walk_in: bool = False, record_past: bool = False,
                     now: datetime | None = None) -> tuple[Appointment, list[dict]]:
    """Book `patient` with `doctor` in `clinic`; returns (appointment, warnings).

    The end defaults to start + the service's duration. Naive times are the
    branch's wall clock. Staff book in their branches (and may override working
    hours, audited and kept in `outside_hours`); a patient books only
    themselves, inside working hours. `warnings` lists the patient's other
    appointments at the same time.

    Not in the past, with two exceptions the staff pages ask for: a `walk_in`
    (the patient at the desk) may start up to WALK_IN_GRACE ago, the grid's "now";
    with `record_past` a start earlier today is recorded after the fact by holders
    of `calendar.record_past` (audited as `appointment.recorded_after_the_fact`).
    Past days never.

    Raises PermissionDenied (another branch / someone else), ValidationFailed
    naming the field (doctor not in the branch, service not provided there by
    the doctor, end before start, the past, outside working hours), Conflict
    (the doctor is busy then: names the clashing appointment).
    """
    now = now or utcnow()
    errors: dict = {}
    _check_booking(actor, clinic, doctor, patient, service, status, errors)
    start = as_utc(starts_at, clinic)
    if ends_at is None and service is None:
        errors["end_datetime"] = [_("Укажите окончание или услугу")]
        end = start
    else:
        end = as_utc(ends_at, clinic, "end_datetime") if ends_at is not None \
            else start + timedelta(minutes=service.duration_minutes)
    past = past_start(start, now, walk_in=walk_in)
    if past == "past":
        _check_past(actor, clinic, start, now, record_past, errors)
    check_times(start, end, now=now, past_allowed=True, errors=errors)
    raise_if_any(errors)
    outside = _outside_hours(actor, clinic, doctor, start, end, override_hours)
    appointment = Appointment(
        clinic_id=clinic.id, employee_id=doctor.id, patient_id=patient.id,
        service_id=service.id if service else None, starts_at=start, ends_at=end,
        status=status, is_primary=bool(is_primary), source=source,
        comment=clean_comment(comment), created_by_id=getattr(actor, "id", None),
        outside_hours=outside)
    _write(appointment, new=True, clinic=clinic,
           reveal_patient=actor is None or _is_staff(actor))
    times = {"start": iso_utc(start), "end": iso_utc(end)}
    record(actor, "appointment.created", appointment, {
        "branch": clinic.id, "employee": doctor.id, "patient": patient.id,
        "service": appointment.service_id, **times, "status": status, "source": source,
        "outside_hours": outside, **({AUDIT_MARKS[past]: True} if past else {})})
    if past == "past":
        record(actor, "appointment.recorded_after_the_fact", appointment,
               {**times, "recorded_at": iso_utc(now)})
    if outside:
        record(actor, "appointment.hours_overridden", appointment,
               {**times, "employee": doctor.id})
    warnings = _patient_warnings(appointment)
    send(appointment_booked, appointment=appointment, actor=actor, warnings=warnings)
    return appointment, warnings


def move_appointment(actor, appointment: Appointment, starts_at: datetime,
                     ends_at: datetime | None = None, employee=None, *,
                     override_hours: bool = False, service=UNSET,
                     now: datetime | None = None) -> tuple[Appointment, list[dict]]:
    """Move (drag and drop) or resize an appointment, optionally to another doctor.

    Without `ends_at` the duration stays. The same checks as booking apply (the
    new doctor must work in the branch and provide the service; not into the
    past; working hours unless staff override). `service` (a Service or None),
    when given, replaces the service in the same step, checked against the new
    doctor. Returns (appointment, warnings).

    Raises PermissionDenied / NotFound (not the caller's), Conflict (a finished
    or cancelled appointment, or the time is taken: names the clash),
    ValidationFailed naming the field.
    """
    now = now or utcnow()
    ensure_may_act(actor, appointment)
    if actor is not None and not _is_staff(actor):
        raise PermissionDenied(_("Перенести запись может только регистратура"))
    # A status step at the same moment: decide on its result, not on what was read before.
    db.session.refresh(appointment, with_for_update=True)
    if appointment.status not in ACTIVE_STATUSES:
        raise Conflict(_("Запись в статусе «%(status)s» нельзя перенести",
                         status=status_label(appointment.status)), code="not_movable")
    clinic = appointment.clinic
    doctor = employee or appointment.employee
    start = as_utc(starts_at, clinic)
    end = as_utc(ends_at, clinic, "end_datetime") if ends_at is not None \
        else start + (appointment.ends_at - appointment.starts_at)
    errors: dict = {}
    new_service = appointment.service if service is UNSET else service
    if doctor.id != appointment.employee_id:
        check_doctor(clinic, doctor, errors)
    if doctor.id != appointment.employee_id or new_service is not appointment.service:
        check_service(new_service, clinic, doctor, errors)
    check_times(start, end, now=now, past_allowed=start == appointment.starts_at,
                 errors=errors)
    raise_if_any(errors)
    outside = _outside_hours(actor, clinic, doctor, start, end, override_hours)
    before = {"start": iso_utc(appointment.starts_at), "end": iso_utc(appointment.ends_at),
              "employee": appointment.employee_id, "service": appointment.service_id}
    _write(appointment, new=False, clinic=clinic, employee_id=doctor.id, employee=doctor,
           starts_at=start, ends_at=end, outside_hours=outside, service=new_service,
           service_id=new_service.id if new_service else None)
    record(actor, "appointment.moved", appointment, {
        "from": before, "to": {"start": iso_utc(start), "end": iso_utc(end),
                               "employee": doctor.id, "service": appointment.service_id},
        "outside_hours": outside})
    if outside:
        record(actor, "appointment.hours_overridden", appointment,
               {"start": iso_utc(start), "end": iso_utc(end), "employee": doctor.id})
    send(appointment_moved, appointment=appointment, actor=actor, before=before)
    return appointment, _patient_warnings(appointment)


def update_appointment(actor, appointment: Appointment, *, comment=UNSET,
                       service=UNSET, is_primary=UNSET) -> Appointment:
    """Change the comment, service or «primary» mark (PATCH); only what is given.
    Status steps go through status.change_status.

    Raises ValidationFailed (the service is not provided by the doctor in the
    branch), PermissionDenied / NotFound.
    """
    ensure_may_act(actor, appointment)
    if actor is not None and not _is_staff(actor):
        raise PermissionDenied(_("Изменить запись может только регистратура"))
    changes: dict = {}
    if service is not UNSET and (service.id if service else None) != appointment.service_id:
        errors: dict = {}
        check_service(service, appointment.clinic, appointment.employee, errors)
        raise_if_any(errors)
        changes["service"] = [appointment.service_id, service.id if service else None]
        appointment.service_id, appointment.service = (service.id if service else None), service
    if comment is not UNSET and clean_comment(comment) != appointment.comment:
        changes["comment"] = "изменён"  # the audit's own words, not shown translated
        appointment.comment = clean_comment(comment)
    if is_primary is not UNSET and bool(is_primary) != appointment.is_primary:
        changes["is_primary"] = [appointment.is_primary, bool(is_primary)]
        appointment.is_primary = bool(is_primary)
    if changes:
        db.session.flush()
        record(actor, "appointment.updated", appointment, changes)
        send(appointment_updated, appointment=appointment, actor=actor, changes=changes)
    return appointment


def cancel_appointment(actor, appointment: Appointment, reason: str | None = None, *,
                       now: datetime | None = None) -> Appointment:
    """Cancel with an optional reason; the time becomes free at once.

    A patient cancels only their own appointment and only before it starts;
    staff of the branch may cancel later too.

    Raises NotFound / PermissionDenied (not the caller's), ValidationFailed
    (a patient after the start, a reason too long), Conflict (already
    cancelled, finished, or the patient is with the doctor).
    """
    now = now or utcnow()
    ensure_may_act(actor, appointment)
    if appointment.status not in ("booked", "confirmed", "arrived"):
        raise Conflict(_("Запись в статусе «%(status)s» нельзя отменить",
                         status=status_label(appointment.status)), code="not_cancellable")
    if actor is not None and not _is_staff(actor) and appointment.starts_at <= now:
        raise ValidationFailed(_("Приём уже начался — отменить запись нельзя"),
                               code="already_started",
                               details={"appointment_id": [_("Приём уже начался")]})
    reason = clean_reason(reason)
    before = appointment.status
    appointment.status = "cancelled"
    appointment.cancel_reason = reason
    appointment.cancelled_at = now
    db.session.flush()
    record(actor, "appointment.cancelled", appointment,
           {"status": [before, "cancelled"], "reason": reason})
    send(appointment_cancelled, appointment=appointment, actor=actor, before=before)
    return appointment
