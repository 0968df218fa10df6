"""A doctor's «График работы» page: the week per branch, exceptions, who may do what.

The rule under it: a doctor is in one place at a time, so his weekly intervals
never overlap on a weekday across branches (a named 400 first; the exclusion
constraint under concurrency, see test_hours_race.py).
"""
from __future__ import annotations

from datetime import time, timedelta

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.extensions import db
from clinicapp.scheduling import slots
from clinicapp.scheduling.models import ScheduleException, WorkingInterval
from tests.conftest import csrf_token
from tests.scheduling.conftest import at, future_day

WEEK = {f"hours_{key}": "" for key in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def url(doctor, clinic=None) -> str:
    return f"/calendar/doctors/{doctor.id}/hours" + (f"?branch={clinic.id}" if clinic else "")


def intervals(doctor, clinic) -> dict[int, list[tuple[time, time]]]:
    db.session.expire_all()
    rows = db.session.scalars(db.select(WorkingInterval).where(
        WorkingInterval.employee_id == doctor.id, WorkingInterval.clinic_id == clinic.id
    ).order_by(WorkingInterval.weekday, WorkingInterval.starts_at))
    week: dict[int, list] = {}
    for row in rows:
        week.setdefault(row.weekday, []).append((row.starts_at, row.ends_at))
    return week


@pytest.fixture
def desk_page(client, world, web_as):
    return web_as("receptionist", branches=[world.a])


@pytest.fixture
def post(client, world, desk_page):
    token = csrf_token(client.get(url(world.doctor)).get_data(as_text=True))

    def send(path: str, data: dict):
        return client.post(path, data={"csrf_token": token, **data})

    return send


def test_the_page_shows_the_week_and_the_next_two_weeks(client, world, desk_page):
    html = client.get(url(world.doctor)).get_data(as_text=True)
    assert "График работы · Докторов Иван Петрович" in html
    assert 'value="09:00–13:00, 14:00–18:00"' in html  # every day in the fixture
    assert "Ближайшие две недели" in html and "Сохранить неделю" in html
    assert world.b.name not in html  # not the receptionist's branch
    calendar = client.get(f"/calendar/?view=week&doctor={world.doctor.id}").get_data(
        as_text=True)
    assert f'href="/calendar/doctors/{world.doctor.id}/hours?branch={world.a.id}"' in calendar


def test_who_may_see_and_change(client, world, web_as, auth, make_clinic):
    from tests.scheduling.conftest import make_doctor

    assert client.get(url(world.doctor)).status_code == 302  # sign in first
    web_as("doctor", branches=[world.a])
    html = client.get(url(world.doctor)).get_data(as_text=True)
    assert "Сохранить неделю" not in html and "09:00–13:00, 14:00–18:00" in html
    token = csrf_token(html)
    response = client.post(url(world.doctor), data={"csrf_token": token, **WEEK})
    assert response.status_code == 403 and intervals(world.doctor, world.a)
    auth.logout()
    elsewhere = make_clinic("Клиника на окраине")
    stranger = make_doctor([elsewhere], "Чужих")
    web_as("receptionist", branches=[world.a])
    assert client.get(url(stranger)).status_code == 404
    assert client.get(url(world.doctor, world.b)).status_code == 404  # not her branch
    assert client.get("/calendar/doctors/999999/hours").status_code == 404
    auth.logout()
    web_as("patient")
    assert client.get(url(world.doctor)).status_code == 403


def test_save_the_week(client, world, post):
    response = post(url(world.doctor, world.a), {
        **WEEK, "hours_mon": "8:30-12:00; 13:00 — 17:00", "hours_sat": "10.00-14.00"})
    assert response.status_code == 302
    week = intervals(world.doctor, world.a)
    assert week == {0: [(time(8, 30), time(12)), (time(13), time(17))],
                    5: [(time(10), time(14))]}
    entry = db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "schedule.template_changed"))
    assert entry.changes["days"]["mon"] == ["09:00–13:00, 14:00–18:00", "08:30–12:00, 13:00–17:00"]
    monday = future_day(0)
    free = slots.doctor_slots(world.doctor.id, [world.a], monday, monday, 30)
    assert free[0].start == at(monday, "08:30") and free[-1].start == at(monday, "16:30")
    assert not slots.doctor_slots(world.doctor.id, [world.a], monday + timedelta(1),
                                  monday + timedelta(1), 30)  # Tuesday: a day off now


@pytest.mark.parametrize("text,message", [
    ("25:00-26:00", "нет такого времени"),
    ("9-18", "не время в формате ЧЧ:ММ"),
    ("12:00-09:00", "конец должен быть позже начала"),
    ("09:00-13:00, 12:00-15:00", "Интервалы пересекаются"),
    ("20:00-24:00", "не позже 23:59"),
])
def test_bad_intervals_are_named_and_nothing_changes(client, world, post, text, message):
    before = intervals(world.doctor, world.a)
    response = post(url(world.doctor, world.a), {**WEEK, "hours_tue": text,
                                                 "hours_mon": "10:00-11:00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert 'id="hours_tue"' in html and "is-invalid" in html
    assert intervals(world.doctor, world.a) == before


def test_a_doctor_is_in_one_branch_at_a_time(client, world, web_as):
    web_as("admin")
    token = csrf_token(client.get(url(world.doctor, world.b)).get_data(as_text=True))
    response = client.post(url(world.doctor, world.b), data={
        "csrf_token": token, **WEEK, "hours_wed": "12:00-15:00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Среда: пересекается с часами в «Клиника на Тверской» (09:00–13:00)" in html
    assert intervals(world.doctor, world.b) == {}
    response = client.post(url(world.doctor, world.b), data={
        "csrf_token": token, **WEEK, "hours_wed": "18:00-20:00"})  # after A's day: fine
    assert response.status_code == 302
    assert intervals(world.doctor, world.b) == {2: [(time(18), time(20))]}


def test_vacation_empties_the_days_and_names_the_appointments(client, world, post,
                                                              add_appointment):
    monday = future_day(0)
    booked = add_appointment(at(monday + timedelta(days=1), "10:00"))
    response = post(f"/calendar/doctors/{world.doctor.id}/exceptions?branch={world.a.id}", {
        "kind": "vacation", "first": monday.isoformat(),
        "last": (monday + timedelta(days=2)).isoformat(), "clinic": world.a.id,
        "note": "Ежегодный"})
    assert response.status_code == 302
    rows = db.session.scalars(db.select(ScheduleException).where(
        ScheduleException.employee_id == world.doctor.id)).all()
    assert len(rows) == 3 and {r.kind for r in rows} == {"vacation"}
    assert not slots.doctor_slots(world.doctor.id, [world.a], monday,
                                  monday + timedelta(days=2), 30)
    page = client.get(url(world.doctor)).get_data(as_text=True)
    assert "На эти часы у врача записей: 1" in page and "Записи, которые надо перенести" in page
    listed = page[page.index("Записи, которые надо перенести"):]
    assert "Пациентов Пётр" in listed[:800]
    assert f'href="/calendar/?branch={world.a.id}&amp;date={(monday + timedelta(days=1))}"' \
        in listed[:800]
    assert "Добавлено в график: отпуск" in page
    again = client.get(url(world.doctor)).get_data(as_text=True)
    assert "Записи, которые надо перенести" not in again  # shown once
    assert page.count(">Отпуск</td>") == 3 and "Ежегодный" in page
    assert booked.status == "booked"  # the desk moves them; nothing is cancelled for it


def test_a_few_hours_off_and_an_extra_shift(client, world, post):
    sunday = future_day(6)
    response = post(f"/calendar/doctors/{world.doctor.id}/exceptions", {
        "kind": "day_off", "first": sunday.isoformat(), "clinic": world.a.id,
        "starts_at": "09:00", "ends_at": "11:00"})
    assert response.status_code == 302
    response = post(f"/calendar/doctors/{world.doctor.id}/exceptions", {
        "kind": "extra_shift", "first": sunday.isoformat(), "clinic": world.a.id,
        "starts_at": "19:00", "ends_at": "21:00"})
    assert response.status_code == 302
    free = slots.doctor_slots(world.doctor.id, [world.a], sunday, sunday, 30)
    starts = {slot.start for slot in free}
    assert at(sunday, "09:00") not in starts and at(sunday, "11:00") in starts
    assert at(sunday, "20:30") in starts


@pytest.mark.parametrize("data,field_text", [
    ({"kind": "extra_shift"}, "Дополнительной смене нужны филиал и часы"),
    ({"kind": "vacation", "last_days": 70}, "Не больше 62 дней"),
    ({"kind": "vacation", "last_days": -3}, "Последний день не раньше первого"),
    ({"kind": "day_off", "starts_at": "10:00"}, "Укажите и начало, и конец"),
    ({"kind": "holiday"}, "Неверный вариант"),
])
def test_bad_exceptions_are_named(client, world, post, data, field_text):
    day = future_day(2)
    body = {"first": day.isoformat(), "clinic": world.a.id, **data}
    if "last_days" in body:
        body["last"] = (day + timedelta(days=body.pop("last_days"))).isoformat()
    response = post(f"/calendar/doctors/{world.doctor.id}/exceptions", body)
    assert response.status_code == 400 and field_text in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(ScheduleException)) == 0


def test_every_branch_only_for_whom_sees_them_all(client, world, post, web_as, auth):
    day = future_day(3)
    response = post(f"/calendar/doctors/{world.doctor.id}/exceptions", {
        "kind": "sick_leave", "first": day.isoformat(), "clinic": 0})
    assert response.status_code == 400  # «all branches» is not offered to her
    auth.logout()
    web_as("admin")
    token = csrf_token(client.get(url(world.doctor)).get_data(as_text=True))
    response = client.post(f"/calendar/doctors/{world.doctor.id}/exceptions", data={
        "csrf_token": token, "kind": "sick_leave", "first": day.isoformat(), "clinic": 0})
    assert response.status_code == 302
    row = db.session.scalar(db.select(ScheduleException))
    assert row.clinic_id is None and row.kind == "sick_leave"


def test_delete_an_exception(client, world, post, web_as, auth):
    day = future_day(4)
    post(f"/calendar/doctors/{world.doctor.id}/exceptions", {
        "kind": "day_off", "first": day.isoformat(), "clinic": world.a.id})
    row = db.session.scalar(db.select(ScheduleException))
    response = post(f"/calendar/exceptions/{row.id}/delete?branch={world.a.id}", {})
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(ScheduleException)) == 0
    assert client.post(f"/calendar/exceptions/{row.id}/delete", data={
        "csrf_token": csrf_token(client.get(url(world.doctor)).get_data(as_text=True))
    }).status_code == 404


# --- one place at a time, and what the review found ------------------------------------

@pytest.fixture
def admin_post(client, world, web_as):
    web_as("admin")
    token = csrf_token(client.get(url(world.doctor)).get_data(as_text=True))

    def send(path: str, data: dict):
        return client.post(path, data={"csrf_token": token, **data})

    return send


def test_an_extra_shift_cannot_overlap_hours_elsewhere(client, world, admin_post):
    monday = future_day(0)
    exceptions = f"/calendar/doctors/{world.doctor.id}/exceptions"
    response = admin_post(exceptions, {"kind": "extra_shift", "first": monday.isoformat(),
                                       "clinic": world.b.id, "starts_at": "10:00",
                                       "ends_at": "12:00"})
    assert response.status_code == 400
    assert "работает в «Клиника на Тверской» (09:00–13:00)" in response.get_data(as_text=True)
    evening = {"kind": "extra_shift", "first": monday.isoformat(), "clinic": world.b.id,
               "starts_at": "19:00", "ends_at": "21:00"}
    assert admin_post(exceptions, evening).status_code == 302
    repeat = admin_post(exceptions, evening)
    assert repeat.status_code == 400 and "Это уже отмечено" in repeat.get_data(as_text=True)
    clash = admin_post(exceptions, {**evening, "clinic": world.a.id, "starts_at": "20:00",
                                    "ends_at": "22:00"})
    assert clash.status_code == 400 and "«Клиника в Алматы» (19:00–21:00)" in clash.get_data(
        as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(ScheduleException)) == 1


def test_hours_of_a_branch_the_doctor_left_do_not_block(client, world, admin_post):
    world.doctor.branches = [world.b]
    db.session.commit()
    response = admin_post(url(world.doctor, world.b), {**WEEK, "hours_tue": "09:30-12:00"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert intervals(world.doctor, world.b) == {1: [(time(9, 30), time(12))]}
    assert intervals(world.doctor, world.a) == {}  # the stale rows are gone


def test_rows_one_may_not_delete_have_no_button(client, world, post, web_as, auth):
    day = future_day(1)
    everywhere = ScheduleException(employee_id=world.doctor.id, clinic_id=None, day=day,
                                   kind="sick_leave")
    db.session.add(everywhere)
    db.session.commit()
    html = client.get(url(world.doctor)).get_data(as_text=True)
    assert "все филиалы" in html and f"/calendar/exceptions/{everywhere.id}/delete" not in html
    response = post(f"/calendar/exceptions/{everywhere.id}/delete", {})
    assert response.status_code == 302
    assert db.session.get(ScheduleException, everywhere.id) is not None
    assert "нет доступа" in client.get(url(world.doctor)).get_data(as_text=True)
    own = ScheduleException(employee_id=world.doctor.id, clinic_id=world.a.id, day=day,
                            kind="day_off")
    db.session.add(own)
    db.session.commit()
    assert post(f"/calendar/exceptions/{own.id}/delete?branch={world.b.id}", {}).status_code \
        == 404
    assert db.session.get(ScheduleException, own.id) is not None


def test_warning_covers_appointments_across_midnight(client, world, post, add_appointment):
    day = future_day(2)
    late = add_appointment(at(day, "23:30"), at(day, "23:30") + timedelta(hours=1))
    response = post(f"/calendar/doctors/{world.doctor.id}/exceptions", {
        "kind": "day_off", "first": day.isoformat(), "clinic": world.a.id,
        "starts_at": "23:00", "ends_at": "23:55"})
    assert response.status_code == 302
    assert "На эти часы у врача записей: 1" in client.get(url(world.doctor)).get_data(
        as_text=True)
    assert late.status == "booked"


def test_past_days_and_odd_digits_are_refused(client, world, post):
    response = post(f"/calendar/doctors/{world.doctor.id}/exceptions", {
        "kind": "sick_leave", "first": "2020-01-01", "clinic": world.a.id})
    assert response.status_code == 400 and "Прошедшие дни не меняются" in response.get_data(
        as_text=True)
    response = post(url(world.doctor, world.a), {**WEEK, "hours_mon": "٠٩:٠٠-١٣:٠٠"})
    assert response.status_code == 400 and "не время в формате" in response.get_data(
        as_text=True)


def test_a_doctor_who_left_is_read_only(client, world, post):
    world.doctor.is_active = False
    db.session.commit()
    html = client.get(url(world.doctor)).get_data(as_text=True)
    assert "только для просмотра" in html and "Сохранить неделю" not in html
    response = post(url(world.doctor, world.a), {**WEEK})
    assert response.status_code == 400 and "не ведёт приём" in response.get_data(as_text=True)
    assert intervals(world.doctor, world.a)
