"""A taken time is refused naming whose time it is and when: «Занято: Вторых О., 10:00–10:30»
on the pages and for staff on the API (short name, the page's branch clock, the other branch
named), never an internal number; a patient booking in the app learns only the time. The
API's shape stays: 409 `slot_taken`, `details.conflicts` with the ids."""
from __future__ import annotations

import pytest

from clinicapp.extensions import db
from clinicapp.scheduling.models import Appointment
from tests.conftest import csrf_token
from tests.scheduling.conftest import ALMATY, at, future_day


@pytest.fixture
def post(client, world, web_as):
    web_as("receptionist", branches=[world.a, world.b])
    token = csrf_token(client.get("/calendar/").get_data(as_text=True))

    def send(url: str, data: dict):
        return client.post(url, data=data, headers={"HX-Request": "true", "X-CSRFToken": token})

    return send


def count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Appointment))


def test_the_dialog_names_the_patient_and_the_time(client, world, post, add_appointment):
    day = future_day(1)
    world.patient2.middle_name = "Ильич"
    db.session.commit()
    taken = add_appointment(at(day, "10:00"), at(day, "10:45"), patient=world.patient2)
    response = post(f"/calendar/new?branch={world.a.id}", {
        "doctor": world.doctor.id, "day": day.isoformat(), "time": "10:30",
        "service": world.service.id, "patient": world.patient.id})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and count() == 1
    assert "Занято: Вторых О. И., 10:00–10:45" in html and f"№{taken.id}" not in html
    assert 'class="field-error">Занято: Вторых О. И., 10:00–10:45<' in html  # under the time


def test_a_clash_in_another_branch_is_named_on_this_branchs_clock(client, world, post,
                                                                  add_appointment):
    day = future_day(2)
    # 16:00 in Almaty is 14:00 in Moscow: the same doctor is busy there.
    add_appointment(at(day, "16:00", ALMATY), clinic=world.b, patient=world.patient2)
    response = post(f"/calendar/new?branch={world.a.id}", {
        "doctor": world.doctor.id, "day": day.isoformat(), "time": "14:00",
        "service": world.service.id, "patient": world.patient.id})
    assert response.status_code == 409
    assert "Занято: Вторых О., 14:00–14:30 (Клиника в Алматы)" in response.get_data(
        as_text=True)


def test_a_patient_in_the_app_learns_only_the_time(client, world, patient_api,
                                                    add_appointment):
    day = future_day(1)
    taken = add_appointment(at(day, "10:15"), patient=world.patient2)
    response = client.post("/api/v1/appointments", headers=patient_api[1], json={
        "clinic_id": world.a.id, "doctor_id": world.doctor.id, "service_id": world.service.id,
        "date": day.isoformat(), "time": "10:00"})
    error = response.get_json()
    assert response.status_code == 409 and error["error"] == "slot_taken"
    assert error["detail"] == "Время занято: 10:15–10:45"
    assert error["details"] == {"time": ["Время занято: 10:15–10:45"], "conflicts": [taken.id]}
    assert "Вторых" not in response.get_data(as_text=True)


def test_staff_on_the_api_read_the_patient_and_the_time(client, world, api_as,
                                                        add_appointment):
    _, headers = api_as("receptionist", branches=[world.a])
    day = future_day(3)
    taken = add_appointment(at(day, "11:00"), patient=world.patient2)
    response = client.post("/api/v1/calendar/appointments", headers=headers, json={
        "branch": world.a.id, "employee": world.doctor.id, "patient": world.patient.id,
        "service": world.service.id, "start_datetime": at(day, "11:15").isoformat()})
    error = response.get_json()
    assert response.status_code == 409 and error["error"] == "slot_taken"
    assert error["detail"] == "Занято: Вторых О., 11:00–11:30"
    assert error["details"] == {"start_datetime": [error["detail"]], "conflicts": [taken.id]}
