"""Doctors' working hours: the weekly template per branch and the dated exceptions.

A doctor is in one place at a time: the template's intervals never overlap on a
weekday, in one branch or across branches. PostgreSQL enforces it
(`ex_working_intervals_no_overlap`); the checks here only name the clash in
words first, and a row lock on the doctor keeps two editors of one doctor from
interleaving. Templates are wall-clock times, so they are compared as such: right
for branches in one zone (a doctor's branches in practice); across zones the
appointments' own constraint still stops a real double booking.
"""
from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..core.errors import Conflict, PermissionDenied, ValidationFailed, field_error
from ..core.permissions import can_see_branch
from ..extensions import db
from ..org.hours import DAY_KEYS, DAYS, normalize_hours
from ..org.models import Clinic
from ..staff.models import Employee
from .models import (
    ACTIVE_STATUSES,
    EXCEPTION_KINDS,
    Appointment,
    ScheduleException,
    WorkingInterval,
)
from .rules import check_doctor
from .serializers import branch_zone
from .slots import WHOLE_DAY_KINDS, day_bounds

EXCLUSION_VIOLATION = "23P01"
DAY_LABELS = dict(DAYS)
MAX_EXCEPTION_DAYS = 62
MAX_NOTE = 255


def _text(clock: time) -> str:
    return clock.strftime("%H:%M")


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _lock_doctor(doctor: Employee) -> None:
    """Serialize changes to one doctor's hours (SELECT … FOR UPDATE on the doctor)."""
    db.session.execute(db.select(Employee.id).where(Employee.id == doctor.id).with_for_update())


def _check_branch(actor, doctor: Employee, clinic: Clinic) -> None:
    if actor is not None and not can_see_branch(actor, clinic.id):
        raise PermissionDenied("Нет доступа к этому филиалу", code="branch_forbidden")
    errors: dict = {}
    check_doctor(clinic, doctor, errors)
    if errors:
        raise field_error("doctor", errors["employee"][0])


def week_template(doctor: Employee) -> dict[int, dict[int, list[tuple[time, time]]]]:
    """{branch id: {weekday: [(start, end), …]}} of the doctor, sorted."""
    rows = db.session.scalars(db.select(WorkingInterval).where(
        WorkingInterval.employee_id == doctor.id).order_by(
        WorkingInterval.weekday, WorkingInterval.starts_at))
    week: dict[int, dict[int, list]] = {}
    for row in rows:
        week.setdefault(row.clinic_id, {}).setdefault(row.weekday, []).append(
            (row.starts_at, row.ends_at))
    return week


def week_text(doctor: Employee, clinic: Clinic) -> dict[str, str]:
    """{"mon": "09:00–13:00, 14:00–18:00", …}: the template of one branch as typed."""
    days = week_template(doctor).get(clinic.id, {})
    return {key: ", ".join(f"{_text(s)}–{_text(e)}" for s, e in days.get(n, []))
            for n, key in enumerate(DAY_KEYS)}


def _clashes(doctor: Employee, clinic: Clinic, weekday: int, intervals) -> str | None:
    """The doctor's interval in another branch that one of `intervals` overlaps, as text."""
    for clinic_id, days in week_template(doctor).items():
        if clinic_id == clinic.id:
            continue
        for start, end in days.get(weekday, []):
            for new_start, new_end in intervals:
                if new_start < end and start < new_end:
                    other = db.session.get(Clinic, clinic_id)
                    return f"пересекается с часами в «{other.name}» ({_text(start)}–{_text(end)})"
    return None


def set_week_template(actor, doctor: Employee, clinic: Clinic, week: dict) -> list[str]:
    """Replace the doctor's weekly hours in `clinic` with `week`.

    `week`: {"mon": "09:00–13:00, 14:00–18:00" or [["09:00", "13:00"], …], …};
    a missing or empty day is a day off. Returns the keys of the days that changed.

    Raises PermissionDenied (a branch the actor does not work in), ValidationFailed
    naming the day (`hours_mon`…: a malformed interval, an end of 24:00, an overlap
    with the doctor's hours in another branch), Conflict (a concurrent change
    overlapped meanwhile).
    """
    _check_branch(actor, doctor, clinic)
    _lock_doctor(doctor)
    cleaned, problems = normalize_hours(week)
    errors = {f"hours_{key}": [message] for key, message in problems.items()}
    new: dict[int, list[tuple[time, time]]] = {}
    for n, key in enumerate(DAY_KEYS):
        pairs = cleaned.get(key, [])
        if any(end == "24:00" for _start, end in pairs):
            errors[f"hours_{key}"] = ["Приём заканчивается не позже 23:59"]
            continue
        new[n] = [(_clock(start), _clock(end)) for start, end in pairs]
        clash = _clashes(doctor, clinic, n, new[n])
        if clash:
            errors[f"hours_{key}"] = [f"{DAY_LABELS[key]}: {clash}"]
    if errors:
        raise ValidationFailed("; ".join(m[0] for m in errors.values()), details=errors)
    before = week_text(doctor, clinic)
    db.session.execute(db.delete(WorkingInterval).where(
        WorkingInterval.employee_id == doctor.id, WorkingInterval.clinic_id == clinic.id))
    for weekday, intervals in new.items():
        for start, end in intervals:
            db.session.add(WorkingInterval(employee_id=doctor.id, clinic_id=clinic.id,
                                           weekday=weekday, starts_at=start, ends_at=end))
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        if getattr(error.orig, "pgcode", None) != EXCLUSION_VIOLATION:
            raise
        raise Conflict("Часы врача в это же время уже заданы в другом филиале — обновите "
                       "страницу", code="hours_overlap") from error
    after = week_text(doctor, clinic)
    changed = [key for key in DAY_KEYS if before[key] != after[key]]
    if changed:
        record(actor, "schedule.template_changed", doctor, {
            "branch": clinic.id, "days": {key: [before[key], after[key]] for key in changed}})
    return changed


def upcoming_exceptions(doctor: Employee, since: date, branches: list[int] | None):
    """The doctor's exceptions from `since` on (those of all branches, and of `branches`)."""
    statement = db.select(ScheduleException).where(
        ScheduleException.employee_id == doctor.id, ScheduleException.day >= since)
    if branches is not None:
        statement = statement.where(db.or_(ScheduleException.clinic_id.is_(None),
                                           ScheduleException.clinic_id.in_(branches)))
    return list(db.session.scalars(statement.order_by(ScheduleException.day,
                                                      ScheduleException.starts_at)))


def affected_appointments(doctor: Employee, clinic: Clinic | None, first: date,
                          last: date) -> list[Appointment]:
    """The doctor's active appointments on local days first..last (in `clinic`, or any)."""
    clinics = [clinic] if clinic else doctor.branches
    found: list[Appointment] = []
    for branch in clinics:
        zone = branch_zone(branch)
        start, _ = day_bounds(first, zone)
        _, end = day_bounds(last, zone)
        found += db.session.scalars(db.select(Appointment).where(
            Appointment.employee_id == doctor.id, Appointment.clinic_id == branch.id,
            Appointment.status.in_(ACTIVE_STATUSES), Appointment.starts_at < end,
            Appointment.ends_at > start).order_by(Appointment.starts_at))
    return found


def add_exception(actor, doctor: Employee, *, kind: str, first: date, last: date,
                  clinic: Clinic | None, starts_at: time | None = None,
                  ends_at: time | None = None,
                  note: str | None = None) -> tuple[list[ScheduleException], list[Appointment]]:
    """Mark days first..last: a day off, vacation or sick leave (the whole day, or only
    starts_at–ends_at; in `clinic` or, with None, in every branch), or an extra shift
    (in `clinic`, with times). Returns (the rows, the active appointments that now fall
    on the absence: the desk should move them).

    Raises PermissionDenied (a branch the actor does not work in; "every branch" needs
    every branch of the doctor), ValidationFailed naming the field.
    """
    errors: dict = {}
    if kind not in EXCEPTION_KINDS:
        errors["kind"] = ["Выберите: выходной, отпуск, больничный или дополнительная смена"]
    if last < first:
        errors["last"] = ["Последний день не раньше первого"]
    elif (last - first).days >= MAX_EXCEPTION_DAYS:
        errors["last"] = [f"Не больше {MAX_EXCEPTION_DAYS} дней за раз"]
    if (starts_at is None) != (ends_at is None):
        errors["ends_at"] = ["Укажите и начало, и конец — или ни того, ни другого"]
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = ["Конец позже начала"]
    if kind == "extra_shift" and (clinic is None or starts_at is None):
        errors["clinic"] = ["Дополнительной смене нужны филиал и часы"]
    if note is not None and len(note) > MAX_NOTE:
        errors["note"] = [f"Не длиннее {MAX_NOTE} символов"]
    if errors:
        raise ValidationFailed("; ".join(f"{k}: {v[0]}" for k, v in errors.items()),
                               details=errors)
    for branch in [clinic] if clinic else doctor.branches:
        _check_branch(actor, doctor, branch)
    _lock_doctor(doctor)
    rows = []
    for offset in range((last - first).days + 1):
        row = ScheduleException(employee_id=doctor.id, clinic_id=clinic.id if clinic else None,
                                day=first + timedelta(days=offset), kind=kind,
                                starts_at=starts_at, ends_at=ends_at, note=note or None)
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    record(actor, "schedule.exception_added", doctor, {
        "kind": kind, "first": first.isoformat(), "last": last.isoformat(),
        "branch": clinic.id if clinic else None,
        "hours": [_text(starts_at), _text(ends_at)] if starts_at else None})
    absent = [] if kind not in WHOLE_DAY_KINDS else [
        a for a in affected_appointments(doctor, clinic, first, last)
        if starts_at is None or _overlaps_local(a, starts_at, ends_at)]
    return rows, absent


def _overlaps_local(appointment: Appointment, start: time, end: time) -> bool:
    zone = branch_zone(appointment.clinic)
    local_start = appointment.starts_at.astimezone(zone).time()
    local_end = appointment.ends_at.astimezone(zone).time()
    return local_start < end and start < local_end


def delete_exception(actor, row: ScheduleException) -> None:
    """Remove one exception (one day). Raises PermissionDenied outside the actor's branches."""
    doctor = db.session.get(Employee, row.employee_id)
    for branch in [db.session.get(Clinic, row.clinic_id)] if row.clinic_id else doctor.branches:
        if actor is not None and not can_see_branch(actor, branch.id):
            raise PermissionDenied("Нет доступа к этому филиалу", code="branch_forbidden")
    record(actor, "schedule.exception_removed", doctor, {
        "kind": row.kind, "day": row.day.isoformat(), "branch": row.clinic_id})
    db.session.delete(row)
    db.session.flush()
