"""The staff calendar page: who sees it, the day and week grids, blocks for live updates."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from clinicapp.extensions import db
from clinicapp.patients.models import Patient
from clinicapp.scheduling import grid
from clinicapp.scheduling.models import Appointment
from tests.scheduling.conftest import at, future_day, make_doctor

URL = "/calendar/"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def desk_page(client, world, web_as):
    """A receptionist of branch A, signed in."""
    return web_as("receptionist", branches=[world.a])


def block_of(html: str, appointment_id: int) -> str:
    match = re.search(rf'<article class="cal-appt[^"]*"\s+id="appt-{appointment_id}".*?</article>',
                      html, re.S)
    assert match, f"no block of appointment {appointment_id}"
    return match.group(0)


def column_of(html: str, key: str) -> str:
    start = html.index(f'data-column="{key}" data-doctor')
    end = html.find('class="cal-body cal-col"', start + 1)
    return html[start:end if end != -1 else len(html)]


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1


@pytest.fixture
def count_queries(app):
    """count_queries(callable) -> (result, number of SQL statements it ran)."""

    def run(action):
        counter = QueryCounter()
        engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            result = action()
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return result, counter.count

    return run


def test_who_sees_the_page(client, world, web_as, auth):
    assert client.get(URL).status_code == 302
    web_as("receptionist", branches=[world.a])
    page = client.get(URL)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'href="/calendar/"' in html and "Календарь" in html  # the navigation
    assert world.doctor.full_name.split()[0] in html and "Другов" in html
    assert "<script>" not in html and " style=" not in html  # CSP: no inline code
    assert f'data-branch-id="{world.a.id}"' in html and "+ Новая запись" in html
    assert client.get(f"{URL}?branch={world.b.id}").status_code == 403
    assert client.get(f"{URL}?branch=999999").status_code == 404
    auth.logout()
    web_as("doctor", branches=[world.a])  # sees, cannot book
    html = client.get(URL).get_data(as_text=True)
    assert 'data-can-manage="0"' in html and "+ Новая запись" not in html
    auth.logout()
    web_as("patient")
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("query,field", [("date=26.11.2026", "date"), ("date=1900-01-01", "date"),
                                         ("view=month", "view"), ("step=7", "step"),
                                         ("branch=abc", "branch"), ("view=week&doctor=999999",
                                                                    "doctor")])
def test_bad_parameters_are_named(client, world, desk_page, query, field):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert field in response.get_data(as_text=True)


def test_day_view_places_blocks_and_working_hours(client, world, desk_page, add_appointment):
    day = future_day(0)
    first = add_appointment(at(day, "09:00"), service=world.service)
    later = add_appointment(at(day, "14:30"), at(day, "15:45"), doctor=world.other_doctor,
                            patient=world.patient2, status="arrived")
    cancelled = add_appointment(at(day, "10:00"), status="cancelled")
    elsewhere = add_appointment(at(day, "11:00"), clinic=world.b)
    tomorrow = add_appointment(at(day + timedelta(days=1), "09:00"))
    html = client.get(f"{URL}?date={day.isoformat()}").get_data(as_text=True)
    doctor_column = column_of(html, f"{world.doctor.id}/{day.isoformat()}")
    # 08:00 is row 1 of 5-minute rows: 09:00 is row 13, half an hour is 6 rows.
    assert "cal-work cal-at-13 cal-len-48" in doctor_column  # 09–13
    assert "cal-work cal-at-73 cal-len-48" in doctor_column  # 14–18
    block = block_of(html, first.id)
    assert "cal-at-13 cal-len-6" in block and "is-movable" in block and "status-booked" in block
    assert "09:00–09:30" in block and "Пациентов П." in block and world.service.name in block
    assert f'id="appt-{first.id}"' in doctor_column
    other = block_of(html, later.id)
    assert "cal-at-79 cal-len-15" in other and "status-arrived" in other and "Пришёл" in other
    assert f'id="appt-{later.id}"' in column_of(html, f"{world.other_doctor.id}/{day.isoformat()}")
    for hidden in (cancelled, elsewhere, tomorrow):
        assert f'id="appt-{hidden.id}"' not in html
    assert ">08:00</span>" in html and ">19:00</span>" in html  # the axis
    assert "Понедельник" in html


def test_hours_widen_for_early_appointments(client, world, desk_page, add_appointment):
    day = future_day(1)
    early = add_appointment(at(day, "06:30"), at(day, "07:00"))
    html = client.get(f"{URL}?date={day.isoformat()}").get_data(as_text=True)
    assert 'data-origin="360"' in html and ">06:00</span>" in html
    assert "cal-at-7 cal-len-6" in block_of(html, early.id)


def test_week_view_of_one_doctor(client, world, desk_page, add_appointment):
    monday = future_day(0)
    mine = [add_appointment(at(monday + timedelta(days=n), "10:00")) for n in (0, 3, 6)]
    others = add_appointment(at(monday, "10:00"), doctor=world.other_doctor,
                             patient=world.patient2)
    html = client.get(f"{URL}?view=week&doctor={world.doctor.id}&date="
                      f"{(monday + timedelta(days=2)).isoformat()}").get_data(as_text=True)
    assert html.count('class="cal-body cal-col"') == 7
    for n, appointment in zip((0, 3, 6), mine, strict=True):
        key = f"{world.doctor.id}/{(monday + timedelta(days=n)).isoformat()}"
        assert f'id="appt-{appointment.id}"' in column_of(html, key)
    assert f'id="appt-{others.id}"' not in html
    assert "Пн, " in html and "Вс, " in html
    assert f'data-doctor="{world.doctor.id}"' in html  # what the live updates filter on
    assert f'<option value="{world.doctor.id}" selected>' in html


def test_grid_fragment_for_htmx(client, world, desk_page, add_appointment):
    day = future_day(2)
    add_appointment(at(day, "09:00"))
    response = client.get(f"{URL}?date={day.isoformat()}", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.strip().startswith('<div id="cal-grid"') and "HX-Request" in response.vary


def test_block_for_live_updates(client, world, desk_page, add_appointment, web_as, auth):
    day = future_day(3)
    appointment = add_appointment(at(day, "12:00"))
    response = client.get(f"/calendar/appointments/{appointment.id}/block?origin=540&last=1080")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.strip().startswith('<article class="cal-appt')
    assert "cal-at-37 cal-len-6" in html  # 12:00 from a 09:00 origin
    assert f'data-column="{world.doctor.id}/{day.isoformat()}"' in html
    outside = client.get(f"/calendar/appointments/{appointment.id}/block?origin=780&last=1080")
    assert outside.headers.get("X-Calendar-Outside") == "1" and outside.data == b""
    bad = client.get(f"/calendar/appointments/{appointment.id}/block?origin=abc")
    assert bad.status_code == 400 and "origin" in bad.get_data(as_text=True)
    appointment.status = "cancelled"
    db.session.commit()
    assert client.get(f"/calendar/appointments/{appointment.id}/block").status_code == 204
    assert client.get("/calendar/appointments/999999/block").status_code == 404
    auth.logout()
    web_as("receptionist", branches=[world.b])
    assert client.get(f"/calendar/appointments/{appointment.id}/block").status_code == 403


def test_names_are_escaped(client, world, desk_page, add_appointment):
    patient = Patient(organization_id=world.a.organization_id, last_name="<b>Злой</b>",
                      first_name="<script>x</script>", extra_phones=[])
    db.session.add(patient)
    db.session.commit()
    day = future_day(4)
    add_appointment(at(day, "09:00"), patient=patient)
    html = client.get(f"{URL}?date={day.isoformat()}").get_data(as_text=True)
    assert "<script>x" not in html and "<b>Злой</b>" not in html and "&lt;b&gt;Злой" in html


def test_twenty_doctors_three_hundred_appointments(client, world, desk_page, count_queries):
    """A busy day renders whole, in a fixed number of queries."""
    day = future_day(5)
    doctors = [make_doctor([world.a], f"Врачев{n:02d}", hours=(("08:00", "20:00"),))
               for n in range(18)] + [world.doctor, world.other_doctor]
    rows = []
    for index in range(300):
        doctor = doctors[index % 20]
        slot = index // 20  # 15 appointments of 30 minutes per doctor from 08:00 (or 09:00)
        start = at(day, "09:00") + timedelta(minutes=30 * (slot % 8)) if doctor in doctors[18:] \
            else at(day, "08:00") + timedelta(minutes=30 * slot)
        if doctor in doctors[18:] and slot >= 8:
            start = at(day, "14:00") + timedelta(minutes=30 * (slot - 8))
        rows.append(Appointment(clinic_id=world.a.id, employee_id=doctor.id,
                                patient_id=world.patient.id, starts_at=start,
                                ends_at=start + timedelta(minutes=30)))
    db.session.add_all(rows)
    db.session.commit()
    url = f"{URL}?date={day.isoformat()}"
    client.get(url)  # warm caches (templates, the session's user)
    response, busy_queries = count_queries(lambda: client.get(url, headers={"HX-Request": "true"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('<article class="cal-appt') == 300
    assert html.count('class="cal-body cal-col"') == 20
    quiet_day = (day + timedelta(days=7)).isoformat()
    _, quiet_queries = count_queries(
        lambda: client.get(f"{URL}?date={quiet_day}", headers={"HX-Request": "true"}))
    assert busy_queries <= quiet_queries + 4  # the relations of the blocks, not one per block
    assert busy_queries <= 10


def test_row_classes_file_is_current():
    css = (ROOT / "static" / "css" / "calendar-rows.css").read_text()
    assert css == grid.rows_css()
    assert f".cal-at-{grid.MAX_ROWS}{{" in css and f".cal-len-{grid.MAX_ROWS}{{" in css


def test_span_rows_and_range():
    span = grid.Span(9 * 60, 9 * 60 + 30)
    assert span.rows(480, 1200) == (13, 6)
    assert grid.Span(7 * 60, 8 * 60 + 10).rows(480, 1200) == (1, 2)  # clipped at the top
    assert grid.Span(20 * 60, 21 * 60).rows(480, 1200) is None
    assert grid.Span(9 * 60 + 7, 9 * 60 + 12).rows(480, 1200) == (14, 2)  # off the grid


def test_hx_trigger_is_ascii_json(client, world, desk_page, add_appointment):
    """Headers are Latin-1: the Russian message travels as \\u escapes."""
    from tests.conftest import csrf_token

    day = future_day(0)
    appointment = add_appointment(at(day, "09:00"))
    token = csrf_token(client.get(URL).get_data(as_text=True))
    response = client.post(f"/calendar/appointments/{appointment.id}/status",
                           data={"status": "confirmed"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    header = response.headers["HX-Trigger"]
    assert header.isascii()
    payload = json.loads(header)["calendar-saved"]
    assert payload["id"] == appointment.id and payload["message"] == "Статус: Подтвердил"


def test_blocks_follow_the_wall_clock_across_dst():
    """Europe/Berlin springs forward at 02:00 on 2026-03-29: 01:30–03:30 local is an hour
    long, and the block spans what the clock (and the axis) shows."""
    from datetime import UTC, date, datetime
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    day = date(2026, 3, 29)
    appointment = SimpleNamespace(  # instants in UTC, as PostgreSQL returns them
        starts_at=datetime(2026, 3, 29, 1, 30, tzinfo=berlin).astimezone(UTC),
        ends_at=datetime(2026, 3, 29, 3, 30, tzinfo=berlin).astimezone(UTC), status="booked")
    block = grid.block_for(appointment, day, berlin, may_move=True)
    assert (block.span.start, block.span.end) == (90, 210) and block.minutes == 60


def test_an_appointment_past_midnight_fits_a_full_day_grid(client, world, desk_page,
                                                          add_appointment):
    day = future_day(6)
    late = add_appointment(at(day, "23:30"), at(day, "23:30") + timedelta(hours=1))
    response = client.get(f"/calendar/appointments/{late.id}/block?origin=0&last=1440")
    assert response.status_code == 200 and "X-Calendar-Outside" not in response.headers
    assert "cal-at-283" in response.get_data(as_text=True)


def test_headers_say_why_a_doctor_is_away(client, world, desk_page):
    from tests.scheduling.conftest import add_exception

    day = future_day(2)
    add_exception(world.doctor, day, "vacation")
    add_exception(world.other_doctor, day, "sick_leave", clinic=world.a, hours=("09:00", "10:00"))
    html = client.get(f"{URL}?date={day.isoformat()}&all=1").get_data(as_text=True)
    assert html.count(">отпуск</span>") == 1  # the other one is only away an hour
    assert ">больничный</span>" not in html
    # By default the doctor on vacation has no column; the list of the hidden says why.
    html = client.get(f"{URL}?date={day.isoformat()}").get_data(as_text=True)
    assert f'data-doctor="{world.doctor.id}"' not in html and "(отпуск)" in html
