"""The day of each branch in numbers: the managers' summary (read-only).

Per branch, on its own clock: today's appointments by where they stand (arrived,
with the doctor, done, no-show, still expected) and the bookable time its doctors
have left today. A handful of queries for any number of appointments: one count by
branch and status, the doctors of the branches, their hours per branch (slots.py,
which booking uses too) and their appointments of the day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_

from ..core.models import utcnow
from ..extensions import db
from ..org.clock import branch_today, branch_zone
from ..org.models import Clinic
from ..scheduling import slots
from ..scheduling.models import Appointment
from ..staff.models import Employee, employee_branches

# A gap shorter than the booking grid's step cannot take an appointment: not free time.
MIN_BOOKABLE = timedelta(minutes=slots.DEFAULT_STEP)
EXPECTED = ("booked", "confirmed")
CAME = ("arrived", "in_progress", "completed")


@dataclass
class BranchDay:
    """One branch's today. `by_status` counts non-cancelled appointments per status."""

    clinic: Clinic
    day: date
    by_status: dict[str, int]
    free: timedelta

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def count(self, *statuses: str) -> int:
        return sum(self.by_status.get(status, 0) for status in statuses)

    @property
    def expected(self) -> int:
        """Booked or confirmed, not yet come (late ones included until marked)."""
        return self.count(*EXPECTED)

    @property
    def came(self) -> int:
        """Arrived today, whether waiting, with the doctor or done."""
        return self.count(*CAME)

    @property
    def free_hours(self) -> float:
        return round(self.free.total_seconds() / 3600, 1)


def _bounds(clinics: list[Clinic], now: datetime) -> dict[int, tuple[date, datetime, datetime]]:
    """{branch id: (its today, the UTC start and end of that day)}."""
    result = {}
    for clinic in clinics:
        day = branch_today(clinic, now)
        result[clinic.id] = (day, *slots.day_bounds(day, branch_zone(clinic)))
    return result


def _counts(bounds) -> dict[int, dict[str, int]]:
    """{branch id: {status: n}} of today's non-cancelled appointments, in one query."""
    today = or_(*(and_(Appointment.clinic_id == clinic_id, Appointment.starts_at >= start,
                       Appointment.starts_at < end)
                  for clinic_id, (_day, start, end) in bounds.items()))
    rows = db.session.execute(
        db.select(Appointment.clinic_id, Appointment.status, func.count())
        .where(today, Appointment.status != "cancelled")
        .group_by(Appointment.clinic_id, Appointment.status))
    counts: dict[int, dict[str, int]] = {clinic_id: {} for clinic_id in bounds}
    for clinic_id, status, number in rows:
        counts[clinic_id][status] = number
    return counts


def _doctors(clinic_ids: list[int]) -> dict[int, list[int]]:
    """{branch id: ids of its active doctors}."""
    rows = db.session.execute(
        db.select(employee_branches.c.clinic_id, Employee.id)
        .join(Employee, Employee.id == employee_branches.c.employee_id)
        .where(employee_branches.c.clinic_id.in_(clinic_ids), Employee.is_doctor,
               Employee.is_active))
    doctors: dict[int, list[int]] = {clinic_id: [] for clinic_id in clinic_ids}
    for clinic_id, doctor_id in rows:
        doctors[clinic_id].append(doctor_id)
    return doctors


def _busy(doctor_ids: set[int], start: datetime, end: datetime) -> dict[int, list[tuple]]:
    """{doctor id: [(start, end)…]} of their non-cancelled appointments in any branch
    overlapping [start, end): a doctor is in one place at a time."""
    busy: dict[int, list[tuple]] = {doctor_id: [] for doctor_id in doctor_ids}
    if not doctor_ids:
        return busy
    rows = db.session.execute(
        db.select(Appointment.employee_id, Appointment.starts_at, Appointment.ends_at)
        .where(Appointment.employee_id.in_(doctor_ids), Appointment.status != "cancelled",
               Appointment.starts_at < end, Appointment.ends_at > start))
    for doctor_id, starts_at, ends_at in rows:
        busy[doctor_id].append((starts_at, ends_at))
    return busy


def free_time(working, busy, now: datetime) -> timedelta:
    """The bookable time left in `working` after `now`, clear of `busy`: the gaps of at
    least MIN_BOOKABLE (UTC intervals)."""
    ahead = [(max(start, now), end) for start, end in working if end > now]
    gaps = slots.subtract(ahead, busy)
    return sum((end - start for start, end in gaps if end - start >= MIN_BOOKABLE),
               timedelta())


def branch_days(clinics: list[Clinic], now: datetime | None = None) -> list[BranchDay]:
    """Today in each of `clinics` (on each branch's clock), in the order given."""
    if not clinics:
        return []
    now = now or utcnow()
    bounds = _bounds(clinics, now)
    counts = _counts(bounds)
    doctors = _doctors([clinic.id for clinic in clinics])
    busy = _busy({doctor_id for ids in doctors.values() for doctor_id in ids},
                 min(start for _day, start, _end in bounds.values()),
                 max(end for _day, _start, end in bounds.values()))
    days = []
    for clinic in clinics:
        day = bounds[clinic.id][0]
        hours = slots.branch_hours(clinic, doctors[clinic.id], day, day)
        free = sum((free_time(hours[doctor_id][day], busy[doctor_id], now)
                    for doctor_id in doctors[clinic.id]), timedelta())
        days.append(BranchDay(clinic, day, counts[clinic.id], free))
    return days
