"""The patient card's "Записи" section: the patient's appointments and no-show count."""
from datetime import UTC, datetime, timedelta

from ..conftest import Auth
from .conftest import at, future_day


def _fragment(client, patient_id: int):
    return client.get(f"/calendar/patients/{patient_id}/appointments",
                      headers={"HX-Request": "true"})


def test_card_loads_the_appointments_fragment(client, web_as, world, add_appointment):
    web_as("receptionist", branches=[world.a])
    card = client.get(f"/patients/{world.patient.id}").get_data(as_text=True)
    assert f'hx-get="/calendar/patients/{world.patient.id}/appointments"' in card

    day = future_day()
    add_appointment(at(day, "10:00"), service=world.service)
    past = datetime.now(UTC) - timedelta(days=3)
    add_appointment(past, status="no_show")
    response = _fragment(client, world.patient.id)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'id="patient-appointments"' in html
    assert day.strftime("%d.%m.%Y") + " 10:00" in html  # the branch's local time
    assert "Приём терапевта первичный" in html and "Докторов" in html
    assert "Неявок: 1" in html and "Не пришёл" in html


def test_other_branches_appointments_are_not_shown(client, web_as, world, add_appointment):
    web_as("receptionist", branches=[world.a])
    add_appointment(at(future_day(), "11:00"), clinic=world.b)
    html = _fragment(client, world.patient.id).get_data(as_text=True)
    assert "Клиника в Алматы" not in html and "Пока нет" in html


def test_fragment_needs_patients_view_and_a_known_patient(client, web_as, world):
    assert _fragment(client, world.patient.id).status_code == 302  # anonymous → login
    web_as("patient")
    assert _fragment(client, world.patient.id).status_code == 403
    Auth(client).logout()
    web_as("receptionist", branches=[world.a])
    assert _fragment(client, 999999).status_code == 404
