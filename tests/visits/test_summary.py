"""The day's summary in numbers (`visits.summary.branch_days`) at a chosen instant:
counts per branch on its own clock, and the bookable time the doctors have left."""
from __future__ import annotations

from datetime import timedelta

from clinicapp.extensions import db
from clinicapp.scheduling.models import ScheduleException
from clinicapp.visits.summary import branch_days, free_time
from tests.scheduling.conftest import ALMATY, at, future_day


def test_free_time_is_the_hours_left_clear_of_appointments(world, add_appointment):
    """Both doctors work 09–13 and 14–18 in A. At 12:00: world.doctor is busy 12:00–12:20
    and 12:30–13:00 (the 10 minutes between cannot take an appointment) and free 14–18;
    the other doctor is busy 15:00–15:10: 12–13, 14–15 and 15:10–18 are free."""
    day = future_day(2)
    now = at(day, "12:00")
    add_appointment(at(day, "12:00"), at(day, "12:20"))
    add_appointment(at(day, "12:30"), at(day, "13:00"), patient=world.patient2)
    add_appointment(at(day, "15:00"), at(day, "15:10"), doctor=world.other_doctor)
    add_appointment(at(day, "09:00"), doctor=world.other_doctor)  # over: not counted
    add_appointment(at(day, "16:00"), status="cancelled")  # frees its time again
    [a_day] = branch_days([world.a], now=now)
    assert a_day.day == day
    assert a_day.free == timedelta(hours=4) + timedelta(hours=4, minutes=50)
    assert a_day.free_hours == 8.8
    assert a_day.total == 4 and a_day.expected == 4 and a_day.came == 0


def test_an_appointment_in_another_branch_takes_the_doctors_time(world, add_appointment):
    """A doctor is in one place at a time: booked in B, not free in A then."""
    day = future_day(2)
    now = at(day, "08:00")
    start = at(day, "10:00")  # 12:00 in Almaty
    add_appointment(start, start + timedelta(hours=2), clinic=world.b)
    [a_day, b_day] = branch_days([world.a, world.b], now=now)
    assert a_day.free == timedelta(hours=16 - 2)  # 2 doctors × 8 h, minus the 2 h in B
    assert b_day.total == 1 and b_day.free == timedelta()  # no hours in B


def test_absences_and_the_end_of_the_day(world):
    day = future_day(2)
    db.session.add(ScheduleException(employee_id=world.other_doctor.id, day=day,
                                     kind="vacation"))
    db.session.commit()
    [morning] = branch_days([world.a], now=at(day, "07:00"))
    assert morning.free == timedelta(hours=8)  # world.doctor only
    [evening] = branch_days([world.a], now=at(day, "18:30"))
    assert evening.free == timedelta()


def test_each_branch_counts_its_own_day(world, add_appointment):
    """At 22:30 in Moscow it is already tomorrow in Almaty (00:30)."""
    day = future_day(2)
    now = at(day, "22:30")
    add_appointment(at(day, "21:00"))  # A, today there
    add_appointment(at(day + timedelta(days=1), "09:00", ALMATY), clinic=world.b,
                    doctor=world.other_doctor)  # B, its "today" is day + 1
    add_appointment(at(day, "15:00", ALMATY), clinic=world.b)  # B, its yesterday
    a_day, b_day = branch_days([world.a, world.b], now=now)
    assert (a_day.day, a_day.total) == (day, 1)
    assert (b_day.day, b_day.total) == (day + timedelta(days=1), 1)


def test_free_time_pure():
    start = at(future_day(2), "09:00")
    hour = timedelta(hours=1)
    working = [(start, start + 4 * hour)]
    busy = [(start + hour, start + 2 * hour)]
    assert free_time(working, busy, start) == 3 * hour
    assert free_time(working, busy, start + hour + hour / 2) == 2 * hour
    assert free_time(working, [], start + 4 * hour - timedelta(minutes=10)) == timedelta()
    assert branch_days([]) == []


def test_the_number_of_queries_does_not_grow_with_the_day(world, add_appointment,
                                                          count_queries):
    """One count, the doctors, their appointments, and each branch's hours (two)."""
    day = future_day(2)
    now = at(day, "07:00")

    def summary():
        clinics = [world.a, world.b]
        for clinic in clinics:  # loaded before counting (the test's commits expire them)
            db.session.refresh(clinic)
        return count_queries(lambda: branch_days(clinics, now=now))[1]

    empty = summary()
    for n in range(16):
        start = at(day, "09:00") + timedelta(minutes=30 * n)
        add_appointment(start, doctor=world.doctor if n % 2 else world.other_doctor,
                        patient=world.patient if n % 4 < 2 else world.patient2)
    assert summary() == empty == 3 + 2 * 2
