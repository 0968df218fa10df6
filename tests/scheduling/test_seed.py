"""Demo schedule: templates, exceptions, a month of appointments inside working hours
that never overlap, visits for those who came; running it again changes nothing."""
from __future__ import annotations

from datetime import timedelta

from clinicapp.core.models import utcnow
from clinicapp.extensions import db
from clinicapp.scheduling import slots
from clinicapp.scheduling.models import Appointment, ScheduleException, Visit, WorkingInterval
from clinicapp.seed import schedule

from .conftest import make_doctor


def counts() -> tuple:
    return tuple(db.session.scalar(db.select(db.func.count()).select_from(model))
                 for model in (WorkingInterval, ScheduleException, Appointment, Visit))


def test_seed_fills_a_month_and_is_idempotent(world):
    travelling = make_doctor([world.a, world.b], "Разъездов", weekdays=())
    resident = make_doctor([world.a], "Домоседов", weekdays=())
    world.service.doctors = [travelling, resident]
    db.session.commit()
    schedule.seed([world.a, world.b], [travelling, resident])
    db.session.commit()
    first = counts()
    # Mon–Fri, alternating branches for the one in two; a Saturday for the first doctor.
    days = {(row.clinic_id, row.weekday) for row in db.session.scalars(
        db.select(WorkingInterval).where(WorkingInterval.employee_id == travelling.id))}
    assert days == {(world.a.id, 0), (world.b.id, 1), (world.a.id, 2), (world.b.id, 3),
                    (world.a.id, 4), (world.a.id, 5)}
    rows = list(db.session.scalars(db.select(Appointment).where(
        Appointment.employee_id.in_([travelling.id, resident.id]))))
    assert len(rows) > 100
    now = utcnow()
    statuses = {a.status for a in rows}
    assert {"completed", "booked", "confirmed", "cancelled"} <= statuses
    for appointment in rows:
        clinic = world.a if appointment.clinic_id == world.a.id else world.b
        assert slots.within_working_hours(appointment.employee_id, clinic,
                                          appointment.starts_at, appointment.ends_at)
        if appointment.ends_at <= now:
            assert appointment.status in ("completed", "no_show", "cancelled")
        elif appointment.starts_at > now + timedelta(hours=1):
            assert appointment.status in ("booked", "confirmed", "cancelled")
    # Every appointment in a visit status has its visit row, as the status service writes.
    in_visit = sum(a.status in ("arrived", "in_progress", "completed", "no_show") for a in rows)
    assert first[3] == in_visit
    schedule.seed([world.a, world.b], [travelling, resident])
    db.session.commit()
    assert counts() == first
