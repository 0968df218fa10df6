"""Working hours and free slots of a doctor, in the branch's own time zone.

The top half is pure: a day's local working intervals from the weekly
template and the dated exceptions, their conversion to UTC (zoneinfo, so
days of a DST change have their real length), and the free start times on a
5/10/15-minute grid. The bottom half is the one query layer that feeds them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..extensions import db
from ..org.clock import branch_zone
from .models import Appointment, ScheduleException, WorkingInterval
from .serializers import iso_utc

STEPS = (5, 10, 15)
DEFAULT_STEP = 15
DEFAULT_DURATION = 30  # minutes, when no service names one
MAX_RANGE_DAYS = 31
WHOLE_DAY_KINDS = ("day_off", "vacation", "sick_leave")


# --- pure functions ------------------------------------------------------------------

def merge(intervals) -> list[tuple]:
    """Sorted, overlapping or touching intervals joined; empty ones dropped."""
    merged: list[list] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def subtract(intervals, cuts) -> list[tuple]:
    """The parts of `intervals` not covered by any of `cuts`."""
    result = merge(intervals)
    for cut_start, cut_end in merge(cuts):
        pieces = []
        for start, end in result:
            if cut_end <= start or cut_start >= end:
                pieces.append((start, end))
                continue
            if start < cut_start:
                pieces.append((start, cut_start))
            if cut_end < end:
                pieces.append((cut_end, end))
        result = pieces
    return result


def day_plan(template, exceptions, day: date, clinic_id: int) -> list[tuple[time, time]]:
    """Local working intervals of one doctor in one branch on `day`.

    `template`: rows with weekday, clinic_id, starts_at, ends_at (WorkingInterval);
    `exceptions`: rows with day, clinic_id (None = every branch), kind, starts_at,
    ends_at (ScheduleException). An extra shift adds its interval in its branch;
    then a day off, vacation or sick leave without times empties the day, and
    with times cuts that part out (absences win over shifts).
    """
    weekday = day.weekday()
    todays = [row for row in exceptions
              if row.day == day and row.clinic_id in (None, clinic_id)]
    intervals = [(row.starts_at, row.ends_at) for row in template
                 if row.weekday == weekday and row.clinic_id == clinic_id]
    intervals += [(row.starts_at, row.ends_at) for row in todays
                  if row.kind == "extra_shift" and row.clinic_id == clinic_id]
    absences = [row for row in todays if row.kind in WHOLE_DAY_KINDS]
    if any(row.starts_at is None for row in absences):
        return []
    return subtract(intervals, [(row.starts_at, row.ends_at) for row in absences])


def local_instant(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time in `zone` (the earlier one when ambiguous)."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def exists_locally(day: date, clock: time, zone: ZoneInfo) -> bool:
    """False for a wall-clock time skipped by a DST change (e.g. 02:30 in spring)."""
    instant = local_instant(day, clock, zone)
    return instant.astimezone(zone).replace(tzinfo=None) == datetime.combine(day, clock)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants of local midnight at the start and end of `day`."""
    return local_instant(day, time(0), zone), local_instant(day + timedelta(days=1), time(0), zone)


def to_utc(day: date, intervals, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Local (time, time) intervals of `day` as UTC instants."""
    return [(local_instant(day, start, zone), local_instant(day, end, zone))
            for start, end in intervals]


def align(moment: datetime, step: int, zone: ZoneInfo) -> datetime:
    """The first instant at or after `moment` on the local `step`-minute grid."""
    local = moment.astimezone(zone)
    past = timedelta(minutes=local.minute % step, seconds=local.second,
                     microseconds=local.microsecond)
    return moment if not past else moment - past + timedelta(minutes=step)


def cell_start(moment: datetime, step: int, zone: ZoneInfo) -> datetime:
    """The start of the local `step`-minute grid cell that holds `moment` (a walk-in's "now")."""
    local = moment.astimezone(zone)
    return moment - timedelta(minutes=local.minute % step, seconds=local.second,
                              microseconds=local.microsecond)


def free_starts(working, busy, duration: timedelta, step: int, zone: ZoneInfo,
                not_before: datetime) -> list[datetime]:
    """Grid start times where `duration` fits inside one working interval, clear of `busy`.

    All intervals are UTC instants, [start, end); `not_before` cuts off the past.
    """
    busy = merge(busy)
    starts = []
    for work_start, work_end in merge(working):
        moment = align(max(work_start, not_before), step, zone)
        index = 0
        while moment + duration <= work_end:
            end = moment + duration
            while index < len(busy) and busy[index][1] <= moment:
                index += 1
            if index < len(busy) and busy[index][0] < end:
                moment = align(busy[index][1], step, zone)
                continue
            starts.append(moment)
            moment += timedelta(minutes=step)
    return starts


def covers(working, start: datetime, end: datetime) -> bool:
    """True when [start, end) lies inside one (merged) working interval."""
    return any(w_start <= start and end <= w_end for w_start, w_end in merge(working))


@dataclass(frozen=True)
class Slot:
    clinic_id: int
    start: datetime
    end: datetime
    zone: ZoneInfo

    def as_json(self) -> dict:
        local = self.start.astimezone(self.zone)
        return {"clinic_id": self.clinic_id, "date": local.date().isoformat(),
                "time": local.strftime("%H:%M"), "start_datetime": iso_utc(self.start),
                "end_datetime": iso_utc(self.end)}


# --- the query layer -----------------------------------------------------------------

def _template(doctor_ids: list[int]) -> list[WorkingInterval]:
    return list(db.session.scalars(db.select(WorkingInterval).where(
        WorkingInterval.employee_id.in_(doctor_ids))))


def schedule_exceptions(doctor_ids: list[int], first: date,
                        last: date) -> list[ScheduleException]:
    """The doctors' exceptions on days first..last (every branch)."""
    return list(db.session.scalars(db.select(ScheduleException).where(
        ScheduleException.employee_id.in_(doctor_ids),
        ScheduleException.day.between(first, last))))


def whole_day_absences(exceptions, clinic_id: int) -> dict[tuple[int, date], str]:
    """{(doctor id, day): kind} of the day offs, vacations and sick leaves among
    `exceptions` that take the whole day in the branch (the calendar's headers say which)."""
    return {(row.employee_id, row.day): row.kind for row in exceptions
            if row.kind in WHOLE_DAY_KINDS and row.starts_at is None
            and row.clinic_id in (None, clinic_id)}


def busy_intervals(doctor_id: int, start: datetime, end: datetime,
                   exclude_id: int | None = None) -> list[tuple[datetime, datetime]]:
    """The doctor's non-cancelled appointments (any branch) overlapping [start, end)."""
    statement = db.select(Appointment.starts_at, Appointment.ends_at).where(
        Appointment.employee_id == doctor_id, Appointment.status != "cancelled",
        Appointment.starts_at < end, Appointment.ends_at > start)
    if exclude_id is not None:
        statement = statement.where(Appointment.id != exclude_id)
    return [(row.starts_at, row.ends_at) for row in db.session.execute(statement)]


def branch_hours(clinic, doctor_ids: list[int], first: date, last: date,
                 exceptions=None) -> dict[int, dict[date, list[tuple[datetime, datetime]]]]:
    """{doctor id: {local day: UTC working intervals in the branch}} for days first..last.

    Two queries for any number of doctors (one when the caller passes the doctors'
    `exceptions` of those days, loaded once for other uses too): the calendar's shading.
    """
    zone = branch_zone(clinic)
    templates: dict[int, list] = {doctor_id: [] for doctor_id in doctor_ids}
    for row in _template(doctor_ids):
        templates[row.employee_id].append(row)
    loaded = schedule_exceptions(doctor_ids, first, last) if exceptions is None else exceptions
    exceptions = {doctor_id: [] for doctor_id in doctor_ids}
    for row in loaded:
        exceptions[row.employee_id].append(row)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return {doctor_id: {day: to_utc(day, day_plan(templates[doctor_id], exceptions[doctor_id],
                                                  day, clinic.id), zone) for day in days}
            for doctor_id in doctor_ids}


def working_intervals(doctor_id: int, clinic, first: date,
                      last: date) -> dict[date, list[tuple[datetime, datetime]]]:
    """UTC working intervals of the doctor in the branch for each local day first..last."""
    return branch_hours(clinic, [doctor_id], first, last)[doctor_id]


def within_working_hours(doctor_id: int, clinic, start: datetime, end: datetime) -> bool:
    """True when [start, end) lies inside one working interval of the doctor in the branch."""
    zone = branch_zone(clinic)
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    days = working_intervals(doctor_id, clinic, first, last)
    return covers([i for intervals in days.values() for i in intervals], start, end)


def doctor_slots(doctor_id: int, clinics, first: date, last: date, duration: int,
                 step: int = DEFAULT_STEP, now: datetime | None = None) -> list[Slot]:
    """Free start times of the doctor in each of `clinics` on local days first..last.

    `duration` in minutes; nothing before `now`; appointments in any branch count
    as busy (a doctor is in one place at a time). Sorted by time.
    """
    now = now or datetime.now(UTC)
    length = timedelta(minutes=duration)
    slots = []
    for clinic in clinics:
        zone = branch_zone(clinic)
        days = working_intervals(doctor_id, clinic, first, last)
        working = [i for intervals in days.values() for i in intervals]
        if not working:
            continue
        busy = busy_intervals(doctor_id, min(s for s, _ in working), max(e for _, e in working))
        slots += [Slot(clinic.id, start, start + length, zone)
                  for start in free_starts(working, busy, length, step, zone, now)]
    return sorted(slots, key=lambda slot: (slot.start, slot.clinic_id))


def first_free_slot(doctor_id: int, clinic, duration: int, *, after: datetime | None = None,
                    step: int = DEFAULT_STEP, days: int = MAX_RANGE_DAYS) -> Slot | None:
    """The earliest free slot of the doctor in the branch within `days` days from `after`."""
    after = after or datetime.now(UTC)
    first = after.astimezone(branch_zone(clinic)).date()
    slots = doctor_slots(doctor_id, [clinic], first, first + timedelta(days=days - 1), duration,
                         step, now=after)
    return slots[0] if slots else None
