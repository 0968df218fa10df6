"""Walk-ins and appointments recorded after the fact, through the booking dialog.

«Сейчас» books a patient at the desk today, from the grid cell that holds now (the
branch's clock) at the doctor's first free moment; a start earlier today is recorded
after the fact only by holders of `calendar.record_past` (audited, and the visit marked
as it went); the dialog says so up front; past days stay refused, and so does the API.

The branch's zone is chosen so that its clock reads about noon whenever the tests run,
and the doctor works round the clock: "now" always falls in working hours.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.catalog.models import Service
from clinicapp.core.models import utcnow
from clinicapp.core.permissions import ROLE_PERMISSIONS
from clinicapp.extensions import db
from clinicapp.org.models import Clinic
from clinicapp.scheduling.models import Appointment, Visit
from clinicapp.scheduling.rules import RECORD_PAST
from clinicapp.staff.models import Employee
from tests.conftest import csrf_token
from tests.scheduling.conftest import World, make_doctor, z


def noon_zone(now: datetime | None = None) -> str:
    """An Etc/GMT zone whose clock reads 11:xx–12:xx at `now` (Etc/GMT-3 is UTC+3)."""
    offset = 12 - (now or utcnow()).hour
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


@dataclass
class Desk:
    clinic: Clinic
    zone: ZoneInfo
    doctor: Employee  # works 00:00–23:55 every day
    other_doctor: Employee  # the same hours
    service: Service  # 30 minutes, both doctors
    world: World

    def local_now(self) -> datetime:
        return utcnow().astimezone(self.zone)

    def today(self) -> date:
        return self.local_now().date()

    def at(self, clock: time, day: date | None = None) -> datetime:
        return datetime.combine(day or self.today(), clock, self.zone).astimezone(ZoneInfo("UTC"))


def cell(moment: datetime, step: int) -> datetime:
    """The start of the `step`-minute grid cell holding `moment` (an aware local time)."""
    return moment.replace(minute=moment.minute - moment.minute % step, second=0, microsecond=0)


@pytest.fixture
def desk(world, make_clinic) -> Desk:
    """A branch at about noon, with two doctors working round the clock."""
    clinic = make_clinic("Клиника в полдень", noon_zone())
    hours = (("00:00", "23:55"),)
    doctor = make_doctor([clinic], "Круглосуточный", hours=hours)
    other = make_doctor([clinic], "Полуночный", hours=hours)
    service = Service(code="WALK.1", name="Осмотр", price=Decimal("1000"), duration_minutes=30)
    service.clinics, service.doctors = [clinic], [doctor, other]
    db.session.add(service)
    db.session.commit()
    return Desk(clinic, ZoneInfo(clinic.timezone), doctor, other, service, world)


@pytest.fixture
def page(client, desk, web_as):
    user = web_as("receptionist", branches=[desk.clinic])
    token = csrf_token(client.get("/calendar/").get_data(as_text=True))

    def post(data: dict):
        return client.post(f"/calendar/new?branch={desk.clinic.id}", data=data,
                           headers={"HX-Request": "true", "X-CSRFToken": token})

    post.user = user
    return post


@pytest.fixture
def without_record_past(monkeypatch):
    """Receptionists lose `calendar.record_past` for the test (a role that books but may
    not record the past)."""
    monkeypatch.setitem(ROLE_PERMISSIONS, "receptionist",
                        ROLE_PERMISSIONS["receptionist"] - {RECORD_PAST})


def booking(desk: Desk, start: datetime, **extra) -> dict:
    local = start.astimezone(desk.zone)
    return {"doctor": desk.doctor.id, "day": local.date().isoformat(),
            "time": local.strftime("%H:%M"), "service": desk.service.id,
            "patient": desk.world.patient.id, **extra}


def booked() -> list[Appointment]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Appointment).order_by(Appointment.id)))


def audit(action: str, appointment: Appointment) -> AuditEntry | None:
    return db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.target_id == str(appointment.id)))


def walk_in_url(desk: Desk, step: int = 15, **extra) -> str:
    query = "&".join(f"{k}={v}" for k, v in {
        "branch": desk.clinic.id, "doctor": desk.doctor.id,
        "service": desk.service.id, "step": step, **extra}.items())
    return f"/calendar/walk-in?{query}"


def offered_time(html: str) -> str | None:
    found = re.search(r'name="time"[^>]*value="(\d\d:\d\d)"', html) or re.search(
        r'value="(\d\d:\d\d)"[^>]*name="time"', html)
    return found.group(1) if found else None


# --- «Сейчас» ---------------------------------------------------------------------------

@pytest.mark.parametrize("step", [5, 15])
def test_now_offers_the_grid_cell_of_now_when_the_doctor_is_free(client, desk, page, step):
    before = cell(desk.local_now(), step)
    html = client.get(walk_in_url(desk, step)).get_data(as_text=True)
    after = cell(desk.local_now(), step)
    offered = offered_time(html)
    assert offered in {before.strftime("%H:%M"), after.strftime("%H:%M")}, html
    assert f'value="{desk.today().isoformat()}"' in html
    assert 'id="cal-walk-in"' in html and 'value="1"' in html
    assert f"Сейчас, {offered}: врач свободен" in html


def test_now_waits_for_the_doctors_first_free_moment(client, desk, page, add_appointment):
    start = cell(desk.local_now(), 15)
    busy_until = start + timedelta(minutes=45)
    add_appointment(start - timedelta(minutes=15), busy_until, patient=desk.world.patient2,
                    clinic=desk.clinic, doctor=desk.doctor)
    html = client.get(walk_in_url(desk)).get_data(as_text=True)
    assert offered_time(html) == busy_until.strftime("%H:%M")
    assert f"Врач занят — первое свободное время сегодня: {busy_until:%H:%M}" in html


def test_now_says_when_the_doctor_has_no_time_left_today(client, desk, page, add_appointment):
    add_appointment(cell(desk.local_now(), 15), desk.at(time(23, 55)),
                    patient=desk.world.patient2, clinic=desk.clinic, doctor=desk.doctor)
    html = client.get(walk_in_url(desk)).get_data(as_text=True)
    assert offered_time(html) is None and 'value="1"' not in html
    assert "Сегодня у врача больше нет свободных 30 минут подряд" in html
    bad = client.get(walk_in_url(desk, step=7))
    assert bad.status_code == 400 and "step" in bad.get_data(as_text=True)


def test_a_walk_in_is_booked_from_the_cell_of_now_without_recording_the_past(
        client, desk, page, without_record_past):
    start = cell(desk.local_now(), 15)
    sent_at = utcnow()
    response = page(booking(desk, start, walk_in="1"))
    assert response.status_code == 200, response.get_data(as_text=True)
    [appointment] = booked()
    assert appointment.starts_at == start and appointment.status == "booked"
    if start < sent_at:  # (not on the very second the cell began)
        assert audit("appointment.created", appointment).changes["walk_in"] is True
    assert audit("appointment.recorded_after_the_fact", appointment) is None
    # Further back than a grid step is not "now" any more.
    earlier = page(booking(desk, start - timedelta(minutes=40), walk_in="1",
                           doctor=desk.other_doctor.id, service="0", minutes="30"))
    assert earlier.status_code == 400 and len(booked()) == 1
    assert "вносить приёмы задним числом вам не разрешено" in earlier.get_data(as_text=True)


# --- recorded after the fact -------------------------------------------------------------

def test_earlier_today_is_recorded_after_the_fact_and_audited(client, desk, page):
    start = cell(desk.local_now(), 15) - timedelta(hours=2)
    response = page(booking(desk, start))  # 30 minutes: over by now
    assert response.status_code == 200, response.get_data(as_text=True)
    [appointment] = booked()
    assert appointment.starts_at == start and appointment.status == "completed"
    visit = db.session.scalar(db.select(Visit).where(Visit.appointment_id == appointment.id))
    assert visit is not None and visit.status == "completed"
    entry = audit("appointment.recorded_after_the_fact", appointment)
    assert entry.actor_id == page.user.id and entry.changes["start"] == z(start)
    assert audit("appointment.created", appointment).changes["after_the_fact"] is True
    message = json.loads(response.headers["HX-Trigger"])["calendar-saved"]["message"]
    assert message.startswith("Внесено задним числом: Пациентов Пётр") and "Принят" in message
    # Still going on: the visit is in progress.
    ongoing = cell(desk.local_now(), 15) - timedelta(minutes=30)
    response = page(booking(desk, ongoing, doctor=desk.other_doctor.id, service="0",
                            minutes="90"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert booked()[-1].status == "in_progress"


def test_without_the_permission_the_past_is_refused_and_nothing_written(
        client, desk, page, without_record_past):
    start = cell(desk.local_now(), 15) - timedelta(hours=2)
    response = page(booking(desk, start))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and booked() == []
    assert "Нельзя записать на прошедшее время: вносить приёмы задним числом вам не разрешено" \
        in html


def test_past_days_stay_refused(client, desk, page):
    yesterday = desk.at(time(12), desk.today() - timedelta(days=1))
    response = page(booking(desk, yesterday))
    assert response.status_code == 400 and booked() == []
    assert "задним числом вносят только сегодняшние приёмы" in response.get_data(as_text=True)


# --- the dialog says it up front ----------------------------------------------------------

def new_dialog(client, desk, day: date, clock: str) -> str:
    return client.get(f"/calendar/new?branch={desk.clinic.id}&doctor={desk.doctor.id}"
                      f"&day={day.isoformat()}&time={clock}").get_data(as_text=True)


def test_a_past_time_is_offered_only_to_those_who_may_record_it(client, desk, page):
    gone = (cell(desk.local_now(), 15) - timedelta(hours=1)).strftime("%H:%M")
    html = new_dialog(client, desk, desk.today(), gone)
    assert offered_time(html) == gone and "внесён задним числом" in html
    assert "Сегодня можно указать и прошедшее время" in html
    assert f'min="{desk.today().isoformat()}"' in html  # no past days in the date picker
    assert 'id="cal-now"' in html and ">Сейчас</button>" in html


def test_without_the_permission_a_past_time_is_not_offered(client, desk, page,
                                                            without_record_past):
    gone = (cell(desk.local_now(), 15) - timedelta(hours=1)).strftime("%H:%M")
    html = new_dialog(client, desk, desk.today(), gone)
    assert offered_time(html) is None
    assert f"{gone} уже прошло, а вносить прошедшие приёмы вам не разрешено" in html
    assert "Не раньше, чем сейчас" in html


def test_the_cell_of_now_is_a_walk_in_and_a_past_day_becomes_today(client, desk, page,
                                                                    without_record_past):
    now_cell = cell(desk.local_now(), 15).strftime("%H:%M")
    html = new_dialog(client, desk, desk.today(), now_cell)
    assert offered_time(html) == now_cell and 'id="cal-walk-in"' in html
    assert re.search(r'id="cal-walk-in"[^>]*value="1"|value="1"[^>]*id="cal-walk-in"', html)
    yesterday = desk.today() - timedelta(days=1)
    html = new_dialog(client, desk, yesterday, "10:00")
    assert f'value="{desk.today().isoformat()}"' in html and offered_time(html) is None
    assert f"{yesterday:%d.%m.%Y} уже прошёл" in html


# --- the API stays as documented -----------------------------------------------------------

def test_the_api_still_refuses_any_past_start(client, desk, api_as):
    _, headers = api_as("receptionist", branches=[desk.clinic])  # holds calendar.record_past
    start = cell(desk.local_now(), 15) - timedelta(minutes=5)
    response = client.post("/api/v1/calendar/appointments", headers=headers, json={
        "branch": desk.clinic.id, "employee": desk.doctor.id,
        "patient": desk.world.patient.id, "start_datetime": z(start),
        "end_datetime": z(start + timedelta(minutes=30))})
    error = response.get_json()
    assert response.status_code == 400 and error["details"]["start_datetime"] == [
        "Нельзя записать на прошедшее время"]
    assert booked() == []
