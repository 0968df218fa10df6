"""Doctors' working hours: the weekly template per branch and the dated exceptions.

A doctor is in one place at a time: the template's intervals never overlap on a
weekday, in one branch or across branches, and an extra shift never overlaps his
hours elsewhere that day. PostgreSQL enforces the template rule
(`ex_working_intervals_no_overlap`); the checks here name the clash in words
first, and a row lock on the doctor keeps two editors of one doctor from
interleaving. Templates are wall-clock times, so they are compared as such: right
for branches in one zone (a doctor's branches in practice); across zones the
appointments' own constraint still stops a real double booking.
"""
from __future__ import annotations

from datetime import date, time, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..core.errors import Conflict, PermissionDenied, ValidationFailed, field_error
from ..core.permissions import can_see_branch
from ..extensions import db
from ..org.clock import branch_today, branch_zone, date_text, organization_today
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
from .rules import too_long
from .slots import WHOLE_DAY_KINDS, day_bounds, local_instant

EXCLUSION_VIOLATION = "23P01"
DAY_LABELS = dict(DAYS)
MAX_EXCEPTION_DAYS = 62
MAX_NOTE = 255  # ScheduleException.note is String(255)

Week = dict[int, dict[int, list[tuple[time, time]]]]  # branch id → weekday → intervals


def clock_text(clock: time) -> str:
    return clock.strftime("%H:%M")


def _span(start: time, end: time) -> str:
    return f"{clock_text(start)}–{clock_text(end)}"


def _lock_doctor(doctor: Employee) -> None:
    """Serialize changes to one doctor's hours (SELECT … FOR UPDATE on the doctor)."""
    db.session.execute(db.select(Employee.id).where(Employee.id == doctor.id).with_for_update())


def check_may_edit(actor, doctor: Employee, branches) -> None:
    """The actor works in each of `branches`, and the doctor sees patients (and in them).

    Raises PermissionDenied, ValidationFailed naming `doctor`.
    """
    if not doctor.is_active or not doctor.is_doctor:
        raise field_error("doctor", _("Врач не ведёт приём: график не меняется"))
    for branch in branches:
        if actor is not None and not can_see_branch(actor, branch.id):
            raise PermissionDenied(_("Нет доступа к этому филиалу"), code="branch_forbidden")
        if all(b.id != branch.id for b in doctor.branches):
            raise field_error("doctor", _("%(doctor)s не работает в «%(branch)s»",
                                          doctor=doctor.full_name, branch=branch.name))


def week_template(doctor: Employee) -> Week:
    """The doctor's weekly hours in the branches he works in now, sorted."""
    current = {branch.id for branch in doctor.branches}
    rows = db.session.scalars(db.select(WorkingInterval).where(
        WorkingInterval.employee_id == doctor.id).order_by(
        WorkingInterval.weekday, WorkingInterval.starts_at))
    week: Week = {}
    for row in rows:
        if row.clinic_id in current:
            week.setdefault(row.clinic_id, {}).setdefault(row.weekday, []).append(
                (row.starts_at, row.ends_at))
    return week


def _days_text(days: dict[int, list[tuple[time, time]]]) -> dict[str, str]:
    """{"mon": "09:00–13:00, 14:00–18:00", …} of sorted intervals by weekday."""
    return {key: ", ".join(_span(s, e) for s, e in days.get(n, []))
            for n, key in enumerate(DAY_KEYS)}


def week_text(doctor: Employee, clinic: Clinic) -> dict[str, str]:
    """The template of one branch as typed: {"mon": "09:00–13:00, 14:00–18:00", …}."""
    return _days_text(week_template(doctor).get(clinic.id, {}))


def _clash(doctor: Employee, week: Week, clinic: Clinic, weekday: int,
           intervals) -> str | None:
    """The doctor's weekly interval in another branch that one of `intervals` overlaps."""
    names = {branch.id: branch.name for branch in doctor.branches}
    for clinic_id, days in week.items():
        if clinic_id == clinic.id:
            continue
        for start, end in days.get(weekday, []):
            if any(new_start < end and start < new_end for new_start, new_end in intervals):
                return _("пересекается с часами в «%(branch)s» (%(hours)s)",
                         branch=names[clinic_id], hours=_span(start, end))
    return None


def _week_errors(doctor: Employee, clinic: Clinic, week: dict) -> tuple[dict, dict, Week]:
    """(the new intervals by weekday, errors by form field `hours_<day>`, the doctor's
    weekly hours as they are)."""
    cleaned, problems = normalize_hours(week)
    errors = {f"hours_{key}": [message] for key, message in problems.items()}
    current = week_template(doctor)
    new: dict[int, list[tuple[time, time]]] = {}
    for n, key in enumerate(DAY_KEYS):
        pairs = cleaned.get(key, [])
        if any(end == "24:00" for _start, end in pairs):
            errors[f"hours_{key}"] = [_("Приём заканчивается не позже 23:59")]
            continue
        new[n] = [(time.fromisoformat(start), time.fromisoformat(end)) for start, end in pairs]
        clash = _clash(doctor, current, clinic, n, new[n])
        if clash:
            errors[f"hours_{key}"] = [f"{DAY_LABELS[key]}: {clash}"]  # both translated
    return new, errors, current


def set_week_template(actor, doctor: Employee, clinic: Clinic, week: dict) -> list[str]:
    """Replace the doctor's weekly hours in `clinic` with `week`.

    `week`: {"mon": "09:00–13:00, 14:00–18:00" or [["09:00", "13:00"], …], …};
    a missing or empty day is a day off. Hours left behind in branches the doctor
    no longer works in are dropped. Returns the keys of the days that changed.

    Raises PermissionDenied (a branch the actor does not work in), ValidationFailed
    naming the day (`hours_mon`…: a malformed interval, an end of 24:00, an overlap
    with the doctor's hours in another branch), Conflict (a concurrent change
    overlapped meanwhile).
    """
    check_may_edit(actor, doctor, [clinic])
    _lock_doctor(doctor)
    new, errors, current_week = _week_errors(doctor, clinic, week)
    if errors:
        raise ValidationFailed("; ".join(m[0] for m in errors.values()), details=errors)
    before = _days_text(current_week.get(clinic.id, {}))
    current = [branch.id for branch in doctor.branches]
    db.session.execute(db.delete(WorkingInterval).where(
        WorkingInterval.employee_id == doctor.id,
        (WorkingInterval.clinic_id == clinic.id) | WorkingInterval.clinic_id.not_in(current)))
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
        raise Conflict(_("Часы врача в это же время уже заданы в другом филиале — обновите "
                         "страницу"), code="hours_overlap") from error
    after = _days_text(new)  # sorted as normalize_hours returns them
    changed = [key for key in DAY_KEYS if before[key] != after[key]]
    if changed:
        record(actor, "schedule.template_changed", doctor, {
            "branch": clinic.id, "days": {key: [before[key], after[key]] for key in changed}})
    return changed


# --- exceptions ----------------------------------------------------------------------

def upcoming_exceptions(doctor: Employee, since: date, branches: list[int] | None):
    """The doctor's exceptions from `since` on (those of all branches, and of `branches`)."""
    statement = db.select(ScheduleException).where(
        ScheduleException.employee_id == doctor.id, ScheduleException.day >= since)
    if branches is not None:
        statement = statement.where(db.or_(ScheduleException.clinic_id.is_(None),
                                           ScheduleException.clinic_id.in_(branches)))
    return list(db.session.scalars(statement.order_by(ScheduleException.day,
                                                      ScheduleException.starts_at)))


def exception_branches(doctor: Employee, row: ScheduleException) -> list[Clinic]:
    """The branches an exception applies to: its own, or all of the doctor's."""
    if row.clinic_id is None:
        return list(doctor.branches)
    return [branch for branch in doctor.branches if branch.id == row.clinic_id] or [
        db.session.get(Clinic, row.clinic_id)]


def may_delete(actor, doctor: Employee, row: ScheduleException) -> bool:
    """Whether `delete_exception` would let the actor remove the row."""
    return actor is None or all(can_see_branch(actor, b.id)
                                for b in exception_branches(doctor, row))


def _check_exception(kind: str, first: date, last: date, clinic, starts_at, ends_at,
                     note, today: date) -> None:
    errors: dict = {}
    if kind not in EXCEPTION_KINDS:
        errors["kind"] = [_("Выберите: выходной, отпуск, больничный или дополнительная смена")]
    if first < today:
        errors["first"] = [_("Прошедшие дни не меняются")]
    if last < first:
        errors["last"] = [_("Последний день не раньше первого")]
    elif (last - first).days >= MAX_EXCEPTION_DAYS:
        errors["last"] = [ngettext("Не больше %(num)d дня за раз", "Не больше %(num)d дней за раз",
                                   MAX_EXCEPTION_DAYS)]
    if (starts_at is None) != (ends_at is None):
        errors["ends_at"] = [_("Укажите и начало, и конец — или ни того, ни другого")]
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = [_("Конец позже начала")]
    if kind == "extra_shift" and (clinic is None or starts_at is None):
        errors["clinic"] = [_("Дополнительной смене нужны филиал и часы")]
    if note is not None and len(note) > MAX_NOTE:
        errors["note"] = [too_long(MAX_NOTE)]
    if errors:
        raise ValidationFailed("; ".join(f"{k}: {v[0]}" for k, v in errors.items()),
                               details=errors)


def _same_day_rows(doctor: Employee, first: date, last: date) -> list[ScheduleException]:
    return list(db.session.scalars(db.select(ScheduleException).where(
        ScheduleException.employee_id == doctor.id,
        ScheduleException.day.between(first, last))))


def _check_clashes(doctor: Employee, days: list[date], kind: str, clinic, starts_at,
                   ends_at) -> None:
    """Refuse an exact repeat, and an extra shift that overlaps the doctor's hours or
    another extra shift elsewhere that day (one place at a time)."""
    existing = _same_day_rows(doctor, days[0], days[-1])
    clinic_id = clinic.id if clinic else None
    for row in existing:
        if (row.kind, row.clinic_id, row.starts_at, row.ends_at) == (
                kind, clinic_id, starts_at, ends_at):
            raise field_error("first", _("Это уже отмечено на %(day)s",
                                         day=date_text(row.day)))
    if kind != "extra_shift":
        return
    week = week_template(doctor)
    names = {branch.id: branch.name for branch in doctor.branches}
    for day in days:
        elsewhere = [(s, e, names.get(b, "")) for b, weekdays in week.items() if b != clinic_id
                     for s, e in weekdays.get(day.weekday(), [])]
        elsewhere += [(r.starts_at, r.ends_at, names.get(r.clinic_id, "")) for r in existing
                      if r.kind == "extra_shift" and r.day == day and r.clinic_id != clinic_id]
        for start, end, name in elsewhere:
            if starts_at < end and start < ends_at:
                raise field_error("starts_at", _(
                    "%(day)s врач в это время работает в «%(branch)s» (%(hours)s)",
                    day=date_text(day), branch=name, hours=_span(start, end)))


def add_exception(actor, doctor: Employee, *, kind: str, first: date, last: date,
                  clinic: Clinic | None, starts_at: time | None = None,
                  ends_at: time | None = None,
                  note: str | None = None) -> tuple[list[ScheduleException], list[Appointment]]:
    """Mark days first..last: a day off, vacation or sick leave (the whole day, or only
    starts_at–ends_at; in `clinic` or, with None, in every branch), or an extra shift
    (in `clinic`, with times). Returns (the rows, the active appointments that now fall
    on the absence: the desk should move them).

    Raises PermissionDenied (a branch the actor does not work in; "every branch" needs
    every branch of the doctor), ValidationFailed naming the field (a past day, an
    exact repeat, an extra shift overlapping his hours in another branch, …).
    """
    branches = [clinic] if clinic else list(doctor.branches)
    today = min(branch_today(b) for b in branches) if branches else organization_today()
    _check_exception(kind, first, last, clinic, starts_at, ends_at, note, today)
    check_may_edit(actor, doctor, branches)
    _lock_doctor(doctor)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    _check_clashes(doctor, days, kind, clinic, starts_at, ends_at)
    rows = [ScheduleException(employee_id=doctor.id, clinic_id=clinic.id if clinic else None,
                              day=day, kind=kind, starts_at=starts_at, ends_at=ends_at,
                              note=note or None) for day in days]
    db.session.add_all(rows)
    db.session.flush()
    record(actor, "schedule.exception_added", doctor, {
        "kind": kind, "first": first.isoformat(), "last": last.isoformat(),
        "branch": clinic.id if clinic else None,
        "hours": [clock_text(starts_at), clock_text(ends_at)] if starts_at else None})
    absent = affected_appointments(doctor, branches, days, starts_at, ends_at) \
        if kind in WHOLE_DAY_KINDS else []
    return rows, absent


def affected_appointments(doctor: Employee, branches, days: list[date],
                          starts_at: time | None, ends_at: time | None) -> list[Appointment]:
    """The doctor's active appointments in `branches` that touch the absence: the whole
    of each day, or starts_at–ends_at of it (real instants: across midnight too)."""
    found: list[Appointment] = []
    for branch in branches:
        zone = branch_zone(branch)
        windows = [day_bounds(day, zone) if starts_at is None else
                   (local_instant(day, starts_at, zone), local_instant(day, ends_at, zone))
                   for day in days]
        found += db.session.scalars(db.select(Appointment).where(
            Appointment.employee_id == doctor.id, Appointment.clinic_id == branch.id,
            Appointment.status.in_(ACTIVE_STATUSES),
            db.or_(*[(Appointment.starts_at < end) & (Appointment.ends_at > start)
                     for start, end in windows])).order_by(Appointment.starts_at))
    return found


def delete_exception(actor, row: ScheduleException) -> None:
    """Remove one exception (one day).

    Raises PermissionDenied unless the actor works in every branch it applies to.
    """
    doctor = db.session.get(Employee, row.employee_id)
    if not may_delete(actor, doctor, row):
        raise PermissionDenied(_("Это исключение касается филиала, к которому у вас нет "
                                 "доступа"),
                               code="branch_forbidden")
    record(actor, "schedule.exception_removed", doctor, {
        "kind": row.kind, "day": row.day.isoformat(), "branch": row.clinic_id})
    db.session.delete(row)
    db.session.flush()
