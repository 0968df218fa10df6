"""A doctor moves only their own patients through the visit steps, on every surface.

The rule is `scheduling.status.may_set_status`: the calendar dialog, the desk and the
002 API (calendar PATCH, visits) refuse a doctor acting on another doctor's appointment
(403, a Russian message naming that doctor), and neither the dialog nor the desk offers
the buttons. Each test reads the appointment, its visit and the audit from the database.
"""
from __future__ import annotations

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.extensions import db
from clinicapp.scheduling.models import Appointment, Visit
from tests.conftest import PASSWORD, bearer, csrf_token
from tests.scheduling.test_one_status_service import (
    SURFACES,
    started_today,
    visit_of,
)

REFUSAL = "Это пациент другого врача"


@pytest.fixture
def doctor_signed_in(client, world, web_as, api_login):
    """world.doctor's own account, signed in on the pages and the API: (user, headers)."""
    user = web_as("doctor", branches=[world.a])
    world.doctor.user_id = user.id
    db.session.commit()
    return user, bearer(api_login(user.email, PASSWORD)["access"])


@pytest.fixture
def own_and_other(world, add_appointment):
    """Two appointments that started a moment ago: world.doctor's and the other doctor's."""
    start = started_today(world.a)
    return (add_appointment(start),
            add_appointment(start, doctor=world.other_doctor, patient=world.patient2))


def untouched(appointment: Appointment) -> None:
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status == "booked"
    assert visit_of(appointment.id) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.target_type == "appointments",
        AuditEntry.target_id == str(appointment.id))) == 0


@pytest.mark.parametrize("surface", SURFACES)
def test_a_doctor_moves_their_own_patient(client, world, doctor_signed_in, own_and_other,
                                          surface):
    user, headers = doctor_signed_in
    own, _other = own_and_other
    assert SURFACES[surface](client, own, "arrived", headers) in (200, 201)
    db.session.expire_all()
    assert db.session.get(Appointment, own.id).status == "arrived"
    assert visit_of(own.id).arrived_by_id == user.id


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("status", ["arrived", "in_progress", "no_show"])
def test_another_doctors_patient_is_refused(client, world, doctor_signed_in, own_and_other,
                                            surface, status):
    _user, headers = doctor_signed_in
    _own, other = own_and_other
    assert SURFACES[surface](client, other, status, headers) == 403
    untouched(other)


def test_the_api_says_why_in_russian(client, world, doctor_signed_in, own_and_other):
    _user, headers = doctor_signed_in
    _own, other = own_and_other
    for response in (
            client.patch(f"/api/v1/calendar/appointments/{other.id}", headers=headers,
                         json={"status": "arrived"}),
            client.post("/api/v1/visits/visits", headers=headers,
                        json={"appointment": other.id, "status": "arrived"})):
        body = response.get_json()
        assert response.status_code == 403, body
        assert body["error"] == "not_own_patient"
        assert REFUSAL in body["detail"] and world.other_doctor.full_name in body["detail"]
    untouched(other)


def test_visit_steps_of_another_doctors_visit_are_refused(client, world, doctor_signed_in,
                                                          own_and_other, api_as):
    """The receptionist opens the visit; the wrong doctor may not start or finish it."""
    _user, headers = doctor_signed_in
    _own, other = own_and_other
    _desk_user, desk = api_as("receptionist", branches=[world.a])
    visit_id = client.post("/api/v1/visits/visits", headers=desk,
                           json={"appointment": other.id}).get_json()["id"]
    for step in ("start", "finish", "mark_arrived"):
        response = client.post(f"/api/v1/visits/visits/{visit_id}/{step}", headers=headers)
        assert response.status_code == 403 and REFUSAL in response.get_json()["detail"]
    db.session.expire_all()
    visit = db.session.get(Visit, visit_id)
    assert visit.status == "arrived" and visit.started_at is None
    assert db.session.get(Appointment, other.id).status == "arrived"


def test_the_desk_offers_buttons_only_on_own_patients(client, world, doctor_signed_in,
                                                      own_and_other):
    own, other = own_and_other
    html = client.get("/desk/?show=all").get_data(as_text=True)

    def card(appointment) -> str:
        start = html.index(f'id="desk-appointment-{appointment.id}"')
        return html[start:html.index("</li>", start)]

    assert 'value="arrived"' in card(own) and "</button>" in card(own)
    assert "</button>" not in card(other)


def test_the_desk_tells_the_refusal(client, world, doctor_signed_in, own_and_other):
    _own, other = own_and_other
    token = csrf_token(client.get("/desk/?show=all").get_data(as_text=True))
    response = client.post(f"/desk/appointments/{other.id}/status?show=all",
                           data={"status": "arrived"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert html.strip().startswith('<div id="desk-board"') and 'role="alert"' in html
    assert REFUSAL in html and world.other_doctor.full_name in html
    untouched(other)
    # Without JavaScript: back to the page (the same filter), the message flashed.
    response = client.post(f"/desk/appointments/{other.id}/status?show=all",
                           data={"status": "arrived", "csrf_token": token})
    assert response.status_code == 302 and "show=all" in response.location
    assert REFUSAL in client.get(response.location).get_data(as_text=True)
    untouched(other)


def test_the_calendar_dialog_offers_steps_only_on_own_patients(client, world,
                                                               doctor_signed_in,
                                                               own_and_other):
    own, other = own_and_other
    mine = client.get(f"/calendar/appointments/{own.id}").get_data(as_text=True)
    theirs = client.get(f"/calendar/appointments/{other.id}").get_data(as_text=True)
    assert 'class="cal-steps"' in mine and 'value="arrived"' in mine
    assert 'class="cal-steps"' not in theirs and 'value="arrived"' not in theirs
    token = csrf_token(client.get("/calendar/").get_data(as_text=True))
    response = client.post(f"/calendar/appointments/{other.id}/status",
                           data={"status": "arrived"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 403 and REFUSAL in response.get_data(as_text=True)
    untouched(other)


def test_a_doctor_without_an_employee_card_moves_nobody(client, world, web_as,
                                                        own_and_other):
    """An account not linked to a doctor's card has no own patients: the desk shows the
    branch, says why, and offers no step."""
    web_as("doctor", branches=[world.a])
    own, other = own_and_other
    html = client.get("/desk/").get_data(as_text=True)
    assert "не связана с карточкой врача" in html
    assert f'id="desk-appointment-{own.id}"' in html and f'id="desk-appointment-{other.id}"' \
        in html
    assert "desk-show-mine" not in html
    board = html[html.index('id="desk-board"'):html.index("</main>")]
    assert "</button>" not in board
    assert SURFACES["desk"](client, own, "arrived", None) == 403
    untouched(own)


@pytest.mark.parametrize("role", ["receptionist", "manager"])
def test_the_front_desk_and_managers_move_every_doctors_patients(client, world, web_as,
                                                                  own_and_other, role):
    user = web_as(role, branches=[world.a])
    for appointment in own_and_other:
        assert SURFACES["desk"](client, appointment, "arrived", None) == 200
        assert visit_of(appointment.id).arrived_by_id == user.id
