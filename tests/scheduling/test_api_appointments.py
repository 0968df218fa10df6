"""Document 001's appointments for the signed-in patient, and doctors' free slots."""
from __future__ import annotations

import os
import time as clock
from datetime import date, timedelta

import pytest

from clinicapp.extensions import db
from clinicapp.org.models import Clinic
from clinicapp.scheduling.models import Appointment, WorkingInterval

from .conftest import ALMATY, at, future_day, make_doctor, z
from .test_api_calendar import assert_error

URL = "/api/v1/appointments"
RESPONSE_001 = {"id", "clinic_id", "doctor_id", "service_id", "date", "time", "status"}


def book(world, day: date, time: str = "10:00", **extra) -> dict:
    return {"clinic_id": world.a.id, "doctor_id": world.doctor.id,
            "service_id": world.service.id, "date": day.isoformat(), "time": time, **extra}


def test_book_returns_201_and_end_is_start_plus_duration(client, world, patient_api):
    day = future_day(1)
    response = client.post(URL, headers=patient_api[1], json=book(world, day))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert RESPONSE_001 <= set(data)
    assert {k: data[k] for k in RESPONSE_001 - {"id"}} == {
        "clinic_id": world.a.id, "doctor_id": world.doctor.id, "service_id": world.service.id,
        "date": day.isoformat(), "time": "10:00", "status": "booked"}
    row = db.session.get(Appointment, data["id"])
    assert row.ends_at - row.starts_at == timedelta(minutes=30)
    assert (row.source, row.patient_id, row.created_by_id) == ("mobile", world.patient.id,
                                                               patient_api[0].id)


def _almaty_world(world):
    """The doctor works 08–18 in Almaty instead of Moscow (one place at a time), and the
    service is given there."""
    db.session.execute(db.delete(WorkingInterval).where(
        WorkingInterval.employee_id == world.doctor.id))
    for weekday in range(7):
        db.session.add(WorkingInterval(employee_id=world.doctor.id, clinic_id=world.b.id,
                                       weekday=weekday, starts_at=clock_time("08:00"),
                                       ends_at=clock_time("18:00")))
    world.service.clinics = [world.a, world.b]
    db.session.commit()


def clock_time(text):
    from datetime import time

    return time.fromisoformat(text)


@pytest.fixture
def other_process_zone(monkeypatch):
    """The server process runs in Los Angeles' zone, its database session in Honolulu's."""
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    clock.tzset()
    db.session.execute(db.text("SET TIME ZONE 'Pacific/Honolulu'"))
    yield
    monkeypatch.undo()
    clock.tzset()
    db.session.execute(db.text("SET TIME ZONE 'UTC'"))


def test_date_and_time_round_trip_in_the_branch_zone(client, world, patient_api,
                                                     other_process_zone):
    assert os.environ["TZ"] == "America/Los_Angeles"
    _almaty_world(world)
    day = future_day(4)
    response = client.post(URL, headers=patient_api[1], json=book(
        world, day, "08:30", clinic_id=world.b.id))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert (data["date"], data["time"]) == (day.isoformat(), "08:30")
    assert data["start_datetime"] == z(at(day, "08:30", ALMATY))  # 03:30 UTC
    listed = client.get(URL, headers=patient_api[1]).get_json()
    assert [(a["date"], a["time"]) for a in listed] == [(day.isoformat(), "08:30")]
    # 08:30 in Almaty is 06:30 in Moscow: before the Moscow branch opens.
    assert_error(client.post(URL, headers=patient_api[1], json=book(
        world, day, "06:30", clinic_id=world.b.id)), 400, "time")


@pytest.mark.parametrize("change, field", [
    ({"doctor_id": 999_999}, "doctor_id"),
    ({"clinic_id": 999_999}, "clinic_id"),
    ({"service_id": 999_999}, "service_id"),
    ({"time": "25:00"}, "time"),
    ({"date": "15.01.2030"}, "date"),
    ({"date": "1999-01-01"}, "date"),
    ({"doctor_id": "1"}, "doctor_id"),
])
def test_bad_input_names_the_field(client, world, patient_api, change, field):
    response = client.post(URL, headers=patient_api[1], json=book(world, future_day(1), **change))
    assert_error(response, 400, field)


def test_rules_with_001_field_names(client, world, patient_api, make_clinic):
    day = future_day(1)
    headers = patient_api[1]
    error = assert_error(client.post(URL, headers=headers, json=book(
        world, day - timedelta(days=14))), 400, "time")
    assert "прошедшее" in error["detail"]
    error = assert_error(client.post(URL, headers=headers, json=book(world, day, "20:00")), 400,
                         "time")
    assert error["error"] == "outside_working_hours"
    # The service is not given in Almaty: wrong clinic for the service.
    error = assert_error(client.post(URL, headers=headers, json=book(
        world, day, clinic_id=world.b.id)), 400, "service_id")
    assert "не оказывают" in error["detail"]
    make_doctor([world.a], "Безуслугов")
    stranger = db.session.scalar(db.select(type(world.doctor)).where(
        type(world.doctor).last_name == "Безуслугов"))
    assert_error(client.post(URL, headers=headers, json=book(
        world, day, doctor_id=stranger.id)), 400, "service_id")
    far = make_clinic("Клиника без врача")
    assert_error(client.post(URL, headers=headers, json=book(
        world, day, clinic_id=far.id)), 400, "doctor_id")


def test_taken_time_is_409(client, world, patient_api, add_appointment):
    day = future_day(1)
    add_appointment(at(day, "10:15"), doctor=world.doctor, patient=world.patient2)
    error = assert_error(client.post(URL, headers=patient_api[1], json=book(world, day)), 409)
    assert "Время занято" in error["detail"] and "Вторых" not in error["detail"]


def test_nonexistent_local_time_on_a_dst_day(client, world, patient_api):
    world.a.timezone = "America/New_York"
    db.session.commit()
    assert_error(client.post(URL, headers=patient_api[1], json=book(
        world, date(2031, 3, 9), "02:30")), 400, "time")


def test_only_patients_book_and_auth_is_required(client, world, api_as):
    _, staff = api_as("receptionist", branches=[world.a])
    assert_error(client.post(URL, headers=staff, json=book(world, future_day(1))), 403)
    assert_error(client.post(URL, json=book(world, future_day(1))), 401)
    assert_error(client.get(URL), 401)
    assert client.get(URL, headers=staff).get_json() == []


def test_my_list_newest_first_with_filters_and_paging(client, world, patient_api,
                                                      add_appointment):
    day = future_day(1)
    old = add_appointment(at(day - timedelta(days=20), "10:00"), status="completed")
    new = add_appointment(at(day, "10:00"))
    newer = add_appointment(at(day + timedelta(days=1), "10:00"), status="cancelled")
    add_appointment(at(day, "11:00"), patient=world.patient2)  # someone else's
    headers = patient_api[1]
    response = client.get(URL, headers=headers)
    assert [a["id"] for a in response.get_json()] == [newer.id, new.id, old.id]
    assert response.headers["X-Total-Count"] == "3"
    assert [a["id"] for a in client.get(URL, headers=headers, query_string={
        "status": "completed"}).get_json()] == [old.id]
    assert [a["id"] for a in client.get(URL, headers=headers, query_string={
        "date_from": day.isoformat(), "date_to": day.isoformat()}).get_json()] == [new.id]
    page = client.get(URL, headers=headers, query_string={"limit": 1, "offset": 1})
    assert [a["id"] for a in page.get_json()] == [new.id]
    assert page.headers["X-Total-Count"] == "3"
    for bad in ({"limit": 0}, {"offset": -1}, {"status": "gone"},
                {"date_from": day.isoformat(), "date_to": "2000-01-01"}):
        assert_error(client.get(URL, headers=headers, query_string=bad), 400)


def test_cancel_own_before_the_start_only(client, world, patient_api, add_appointment):
    headers = patient_api[1]
    mine = add_appointment(at(future_day(1), "10:00"))
    response = client.delete(f"{URL}/{mine.id}", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    assert_error(client.delete(f"{URL}/{mine.id}", headers=headers), 409)
    started = add_appointment(at(future_day(1) - timedelta(days=14), "10:00"))
    error = assert_error(client.delete(f"{URL}/{started.id}", headers=headers), 400)
    assert "начался" in error["detail"]
    theirs = add_appointment(at(future_day(1), "11:00"), patient=world.patient2)
    assert_error(client.delete(f"{URL}/{theirs.id}", headers=headers), 404)
    assert db.session.get(Appointment, theirs.id).status == "booked"
    assert_error(client.delete(f"{URL}/999999", headers=headers), 404)
    assert_error(client.delete(f"{URL}/{theirs.id}"), 401)


# --- /api/v1/doctors/{id}/slots --------------------------------------------------------

def slots_url(doctor) -> str:
    return f"/api/v1/doctors/{doctor.id}/slots"


def test_slots_are_public_and_follow_the_service(client, world, add_appointment):
    day = future_day(1)
    add_appointment(at(day, "09:00"), at(day, "10:00"))
    response = client.get(slots_url(world.doctor), query_string={
        "date_from": day.isoformat(), "date_to": day.isoformat(), "service_id": world.service.id})
    assert response.status_code == 200, response.get_json()
    found = response.get_json()
    assert set(found[0]) == {"clinic_id", "date", "time", "start_datetime", "end_datetime"}
    assert found[0]["time"] == "10:00" and found[-1]["time"] == "17:30"
    assert {s["clinic_id"] for s in found} == {world.a.id}
    # Booking a listed slot works.
    assert found[0]["start_datetime"] == z(at(day, "10:00"))


def test_slots_step_duration_and_clinic(client, world):
    day = future_day(1)
    query = {"date_from": day.isoformat(), "date_to": day.isoformat()}
    times = [s["time"] for s in client.get(slots_url(world.doctor), query_string={
        **query, "step": 10, "duration": 60}).get_json()]
    assert times[:2] == ["09:00", "09:10"] and times[-1] == "17:00"
    assert client.get(slots_url(world.doctor), query_string={
        **query, "clinic_id": world.a.id}).status_code == 200
    # Default range: a week from today.
    week = client.get(slots_url(world.doctor)).get_json()
    assert len({s["date"] for s in week}) >= 6


def test_slots_errors(client, world, make_clinic):
    day = future_day(1)
    assert_error(client.get("/api/v1/doctors/999999/slots"), 404)
    assert_error(client.get(slots_url(world.doctor), query_string={
        "date_from": day.isoformat(), "date_to": (day + timedelta(days=31)).isoformat()}), 400,
        "date_to")
    assert_error(client.get(slots_url(world.doctor), query_string={
        "date_from": day.isoformat(), "date_to": (day - timedelta(days=1)).isoformat()}), 400,
        "date_to")
    assert_error(client.get(slots_url(world.doctor), query_string={"step": 7}), 400, "step")
    assert_error(client.get(slots_url(world.doctor), query_string={"service_id": 999_999}),
                 400, "service_id")
    far = make_clinic("Далёкая")
    assert_error(client.get(slots_url(world.doctor), query_string={"clinic_id": far.id}), 400,
                 "clinic_id")
    # The doctor gives the service only in Moscow: asking for it in Almaty is refused.
    assert_error(client.get(slots_url(world.doctor), query_string={
        "clinic_id": world.b.id, "service_id": world.service.id}), 400, "service_id")
    assert db.session.get(Clinic, far.id) is not None


def test_slots_then_book_round_trip(client, world, patient_api):
    day = future_day(2)
    first = client.get(slots_url(world.doctor), query_string={
        "date_from": day.isoformat(), "service_id": world.service.id}).get_json()[0]
    response = client.post(URL, headers=patient_api[1], json=book(
        world, date.fromisoformat(first["date"]), first["time"]))
    assert response.status_code == 201
    assert response.get_json()["start_datetime"] == first["start_datetime"]
    again = client.get(slots_url(world.doctor), query_string={
        "date_from": day.isoformat(), "service_id": world.service.id}).get_json()[0]
    assert again["time"] != first["time"]
