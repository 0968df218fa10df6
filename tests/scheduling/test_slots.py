"""Working hours and free slots: template, breaks, exceptions, extra shifts, service
duration, the grid, the past, and time zones (DST days in New York and Berlin,
Moscow and Almaty)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace as Row
from zoneinfo import ZoneInfo

import pytest

from clinicapp.scheduling import slots
from clinicapp.scheduling.slots import day_plan, exists_locally, free_starts, to_utc

from .conftest import ALMATY, MOSCOW, add_exception, at, future_day

NEW_YORK, BERLIN = ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 3, 2)
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def t(text: str) -> time:
    return time.fromisoformat(text)


def template(*intervals, weekday=0, clinic_id=1):
    return [Row(weekday=weekday, clinic_id=clinic_id, starts_at=t(s), ends_at=t(e))
            for s, e in intervals]


def exception(day, kind, clinic_id=None, hours=None):
    start, end = (t(hours[0]), t(hours[1])) if hours else (None, None)
    return Row(day=day, kind=kind, clinic_id=clinic_id, starts_at=start, ends_at=end)


def local_times(starts, zone) -> list[str]:
    return [s.astimezone(zone).strftime("%H:%M") for s in starts]


WEEK = template(("09:00", "13:00"), ("14:00", "18:00"))


# --- the day's plan -----------------------------------------------------------------

def test_template_with_a_break():
    assert day_plan(WEEK, [], MONDAY, 1) == [(t("09:00"), t("13:00")), (t("14:00"), t("18:00"))]
    assert day_plan(WEEK, [], MONDAY + timedelta(days=1), 1) == []  # Tuesday: no template
    assert day_plan(WEEK, [], MONDAY, 2) == []  # another branch


def test_whole_day_exceptions_empty_the_day_in_every_branch():
    for kind in ("day_off", "vacation", "sick_leave"):
        assert day_plan(WEEK, [exception(MONDAY, kind)], MONDAY, 1) == []
    # Only for that branch when it names one; other days untouched.
    assert day_plan(WEEK, [exception(MONDAY, "day_off", clinic_id=2)], MONDAY, 1) != []
    assert day_plan(WEEK, [exception(MONDAY - timedelta(days=7), "vacation")], MONDAY, 1) != []


def test_partial_exception_cuts_part_of_the_day():
    plan = day_plan(WEEK, [exception(MONDAY, "day_off", hours=("10:00", "15:00"))], MONDAY, 1)
    assert plan == [(t("09:00"), t("10:00")), (t("15:00"), t("18:00"))]


def test_extra_shift_adds_hours_in_its_branch():
    sunday = MONDAY + timedelta(days=6)
    shift = exception(sunday, "extra_shift", clinic_id=1, hours=("10:00", "14:00"))
    assert day_plan(WEEK, [shift], sunday, 1) == [(t("10:00"), t("14:00"))]
    assert day_plan(WEEK, [shift], sunday, 2) == []
    # An extra evening joins a working day; touching intervals merge.
    evening = exception(MONDAY, "extra_shift", clinic_id=1, hours=("18:00", "20:00"))
    assert day_plan(WEEK, [evening], MONDAY, 1)[-1] == (t("14:00"), t("20:00"))


# --- free starts on the grid --------------------------------------------------------

def starts(day=MONDAY, busy=(), minutes=30, step=15, zone=MOSCOW, plan=WEEK, not_before=LONG_AGO):
    working = to_utc(day, day_plan(plan, [], day, 1), zone)
    return free_starts(working, list(busy), timedelta(minutes=minutes), step, zone, not_before)


def test_slots_fit_inside_hours_and_skip_the_break_and_appointments():
    busy = [(at(MONDAY, "10:00"), at(MONDAY, "10:30"))]
    times = local_times(starts(busy=busy), MOSCOW)
    assert times[:3] == ["09:00", "09:15", "09:30"]
    assert "09:45" not in times and "10:00" not in times and "10:15" not in times
    assert "10:30" in times
    assert "12:30" in times and "12:45" not in times  # 12:45 + 30 runs into the break
    assert "13:00" not in times and "13:45" not in times and "14:00" in times
    assert times[-1] == "17:30"


def test_service_duration_decides_the_last_start():
    assert local_times(starts(minutes=60), MOSCOW)[-1] == "17:00"
    assert "12:00" in local_times(starts(minutes=60), MOSCOW)
    assert "12:15" not in local_times(starts(minutes=60), MOSCOW)
    assert starts(minutes=5 * 60) == []  # longer than any interval


@pytest.mark.parametrize("step, expected", [(5, "09:05"), (10, "09:10"), (15, "09:15")])
def test_grid_step(step, expected):
    assert local_times(starts(step=step), MOSCOW)[1] == expected


def test_never_in_the_past_and_aligned_to_the_grid():
    now = at(MONDAY, "11:07")
    times = local_times(starts(not_before=now), MOSCOW)
    assert times[0] == "11:15"
    assert local_times(starts(not_before=now, step=10), MOSCOW)[0] == "11:10"


def test_busy_elsewhere_counts_even_unaligned():
    busy = [(at(MONDAY, "09:00"), at(MONDAY, "09:07"))]  # e.g. booked in another branch
    assert local_times(starts(busy=busy), MOSCOW)[0] == "09:15"


# --- time zones -----------------------------------------------------------------------

def test_moscow_and_almaty_wall_clocks():
    day = date(2026, 7, 6)  # a Monday
    plan = template(("09:00", "10:00"))
    moscow, almaty = starts(day, plan=plan, zone=MOSCOW), starts(day, plan=plan, zone=ALMATY)
    assert moscow[0] == datetime(2026, 7, 6, 6, 0, tzinfo=UTC)  # UTC+3
    assert almaty[0] == datetime(2026, 7, 6, 4, 0, tzinfo=UTC)  # UTC+5
    assert local_times(moscow, MOSCOW) == local_times(almaty, ALMATY) == ["09:00", "09:15",
                                                                         "09:30"]


@pytest.mark.parametrize("zone, before, change, after", [
    (BERLIN, date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)),
    (BERLIN, date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)),
    (NEW_YORK, date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)),
    (NEW_YORK, date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2)),
])
def test_nine_o_clock_stays_nine_across_dst(zone, before, change, after):
    results = {}
    for day in (before, change, after):
        plan = template(("09:00", "10:00"), weekday=day.weekday())
        found = starts(day, plan=plan, zone=zone)
        assert local_times(found, zone) == ["09:00", "09:15", "09:30"], day
        results[day] = found[0].astimezone(UTC)
    # The UTC instant of 09:00 moves by the hour the clocks moved.
    assert results[before].hour != results[after].hour
    assert results[change].hour == results[after].hour


def test_spring_forward_night_is_an_hour_shorter():
    day = date(2026, 3, 8)  # New York: 02:00 → 03:00
    plan = template(("01:00", "04:00"), weekday=day.weekday())
    working = to_utc(day, day_plan(plan, [], day, 1), NEW_YORK)
    assert working[0][1] - working[0][0] == timedelta(hours=2)
    found = starts(day, plan=plan, zone=NEW_YORK, minutes=30)
    assert local_times(found, NEW_YORK) == ["01:00", "01:15", "01:30", "01:45", "03:00",
                                            "03:15", "03:30"]
    assert not exists_locally(day, t("02:30"), NEW_YORK)
    assert exists_locally(day, t("03:30"), NEW_YORK)


def test_fall_back_night_is_an_hour_longer():
    day = date(2026, 10, 25)  # Berlin: 03:00 → 02:00
    plan = template(("00:00", "04:00"), weekday=day.weekday())
    working = to_utc(day, day_plan(plan, [], day, 1), BERLIN)
    assert working[0][1] - working[0][0] == timedelta(hours=5)
    found = starts(day, plan=plan, zone=BERLIN, minutes=60, step=15)
    assert len(found) == 17  # every quarter of five real hours, less the last hour
    assert local_times(found, BERLIN).count("02:00") == 2  # the repeated hour, twice


# --- the query layer ------------------------------------------------------------------

def test_doctor_slots_from_the_database(world, add_appointment):
    day = future_day(0)
    add_appointment(at(day, "09:00"), at(day, "10:00"))
    found = slots.doctor_slots(world.doctor.id, [world.a], day, day, 30)
    times = [s.as_json()["time"] for s in found]
    assert times[0] == "10:00" and "09:30" not in times and "13:00" not in times
    first = found[0].as_json()
    assert first == {"clinic_id": world.a.id, "date": day.isoformat(), "time": "10:00",
                     "start_datetime": at(day, "10:00").strftime("%Y-%m-%dT%H:%M:%SZ"),
                     "end_datetime": at(day, "10:30").strftime("%Y-%m-%dT%H:%M:%SZ")}


def test_cancelled_appointments_free_the_time(world, add_appointment):
    day = future_day(0)
    add_appointment(at(day, "09:00"), at(day, "10:00"), status="cancelled")
    assert slots.doctor_slots(world.doctor.id, [world.a], day, day, 30)[0].as_json()["time"] \
        == "09:00"


def test_busy_in_another_branch_blocks_here(world, add_appointment):
    day = future_day(0)
    add_exception(world.doctor, day, "extra_shift", clinic=world.b, hours=("08:00", "09:00"))
    # 08:00–09:00 in Almaty is 06:00–07:00 in Moscow: outside Moscow hours, no clash.
    add_appointment(at(day, "11:00"), at(day, "12:00"), clinic=world.b)
    times = [s.as_json()["time"] for s in slots.doctor_slots(world.doctor.id, [world.a], day,
                                                              day, 30)]
    assert "10:30" in times and "11:00" not in times and "11:30" not in times


def test_exceptions_from_the_database(world):
    day = future_day(2)
    add_exception(world.doctor, day, "vacation", clinic=world.a)
    add_exception(world.doctor, day + timedelta(days=1), "day_off", hours=("09:00", "13:00"))
    add_exception(world.doctor, day, "extra_shift", clinic=world.b, hours=("10:00", "12:00"))
    found = slots.doctor_slots(world.doctor.id, [world.a, world.b], day, day + timedelta(days=1),
                               60)
    by_day = {}
    for slot in found:
        data = slot.as_json()
        by_day.setdefault((data["date"], data["clinic_id"]), []).append(data["time"])
    assert by_day[(day.isoformat(), world.b.id)] == ["10:00", "10:15", "10:30", "10:45", "11:00"]
    assert (day.isoformat(), world.a.id) not in by_day  # on vacation in Moscow
    assert by_day[((day + timedelta(days=1)).isoformat(), world.a.id)][0] == "14:00"


def test_within_working_hours(world):
    day = future_day(0)
    assert slots.within_working_hours(world.doctor.id, world.a, at(day, "09:00"),
                                      at(day, "13:00"))
    assert not slots.within_working_hours(world.doctor.id, world.a, at(day, "12:45"),
                                          at(day, "13:15"))
    assert not slots.within_working_hours(world.doctor.id, world.b, at(day, "09:00"),
                                          at(day, "09:30"))


def test_first_free_slot(world, add_appointment):
    day = future_day(0)
    add_appointment(at(day, "09:00"), at(day, "12:45"))
    found = slots.first_free_slot(world.doctor.id, world.a, 30, after=at(day, "00:00"))
    assert found.as_json()["time"] == "14:00"


def test_branch_hours_for_the_calendar(world):
    day = future_day(0)
    add_exception(world.other_doctor, day, "day_off")
    hours = slots.branch_hours(world.a, [world.doctor.id, world.other_doctor.id], day, day)
    assert hours[world.other_doctor.id] == {day: []}
    assert hours[world.doctor.id][day] == [(at(day, "09:00"), at(day, "13:00")),
                                           (at(day, "14:00"), at(day, "18:00"))]


def test_absences_win_over_extra_shifts():
    sunday = MONDAY + timedelta(days=6)
    shift = exception(sunday, "extra_shift", clinic_id=1, hours=("19:00", "21:00"))
    ill = exception(sunday, "sick_leave", clinic_id=None)
    assert day_plan([], [shift, ill], sunday, 1) == []
    hour_off = exception(sunday, "day_off", clinic_id=1, hours=("19:00", "20:00"))
    assert day_plan([], [shift, hour_off], sunday, 1) == [(t("20:00"), t("21:00"))]
