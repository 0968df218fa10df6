"""Every surface that changes an appointment's status goes through one service: the
calendar dialog, the desk, document 002's calendar PATCH and visits, document 001's
cancel, and the no-show job. Each takes an appointment to «Принят» and to «Не пришёл»;
the test reads the Visit row (when and who) and the audit entries from the database.
The rights are the same on every surface (a manager may, a cashier may not)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.core.models import utcnow
from clinicapp.extensions import db
from clinicapp.org.clock import branch_zone
from clinicapp.scheduling.models import Appointment, Visit
from tests.conftest import PASSWORD, bearer, csrf_token


def started_today(clinic) -> datetime:
    """A start a few minutes ago, but never before the branch's midnight: the dialog
    offers visit steps only on the appointment's day, «Не пришёл» only after its start."""
    now = utcnow()
    local = now.astimezone(branch_zone(clinic))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(now - timedelta(minutes=5), midnight).replace(second=0, microsecond=0)


def visit_of(appointment_id: int) -> Visit:
    db.session.expire_all()
    return db.session.scalar(db.select(Visit).where(Visit.appointment_id == appointment_id))


def audit(appointment_id: int, visit: Visit | None) -> list[tuple[str, int | None]]:
    """(action, actor) of the appointment's and its visit's entries, in order."""
    targets = [db.and_(AuditEntry.target_type == "appointments",
                       AuditEntry.target_id == str(appointment_id))]
    if visit is not None:
        targets.append(db.and_(AuditEntry.target_type == "visits",
                               AuditEntry.target_id == str(visit.id)))
    return [(entry.action, entry.actor_id) for entry in db.session.scalars(
        db.select(AuditEntry).where(db.or_(*targets)).order_by(AuditEntry.id))]


def assert_completed(appointment_id: int, user) -> None:
    visit = visit_of(appointment_id)
    assert db.session.get(Appointment, appointment_id).status == "completed"
    assert visit.status == "completed"
    assert visit.arrived_at and visit.started_at and visit.finished_at
    assert visit.arrived_by_id == visit.started_by_id == visit.finished_by_id == user.id
    entries = audit(appointment_id, visit)
    assert ("appointment.status_changed", user.id) in entries
    assert ("visit.created", user.id) in entries


def assert_no_show(appointment_id: int, user) -> None:
    visit = visit_of(appointment_id)
    assert db.session.get(Appointment, appointment_id).status == "no_show"
    assert visit.status == "no_show" and visit.no_show_at is not None
    assert visit.no_show_by_id == (user.id if user else None)
    assert visit.arrived_at is None
    entries = audit(appointment_id, visit)
    actor = user.id if user else None
    assert ("appointment.status_changed", actor) in entries and ("visit.created", actor) in entries


# --- the surfaces: each is step(user, client, appointment, status) -> HTTP status ------

def _page_token(client, path: str) -> str:
    return csrf_token(client.get(path).get_data(as_text=True))


def calendar_dialog(client, appointment, status: str, login) -> int:
    token = _page_token(client, "/calendar/")
    return client.post(f"/calendar/appointments/{appointment.id}/status",
                       data={"status": status},
                       headers={"HX-Request": "true", "X-CSRFToken": token}).status_code


def desk(client, appointment, status: str, login) -> int:
    token = _page_token(client, "/desk/")
    return client.post(f"/desk/appointments/{appointment.id}/status", data={"status": status},
                       headers={"HX-Request": "true", "X-CSRFToken": token}).status_code


def api_calendar_patch(client, appointment, status: str, login) -> int:
    return client.patch(f"/api/v1/calendar/appointments/{appointment.id}", headers=login,
                        json={"status": status}).status_code


def api_visits(client, appointment, status: str, login) -> int:
    return client.post("/api/v1/visits/visits", headers=login,
                       json={"appointment": appointment.id, "status": status}).status_code


SURFACES = {"calendar dialog": calendar_dialog, "desk": desk,
            "002 calendar PATCH": api_calendar_patch, "002 visits": api_visits}


@pytest.fixture
def signed_in(client, world, web_as, api_login):
    """signed_in(role) -> (user, bearer headers): signed in on the pages and the API."""

    def sign_in(role: str):
        user = web_as(role, branches=[world.a])
        return user, bearer(api_login(user.email, PASSWORD)["access"])

    return sign_in


@pytest.mark.parametrize("surface", SURFACES)
def test_each_surface_takes_an_appointment_to_completed(client, world, add_appointment,
                                                        signed_in, surface):
    user, headers = signed_in("receptionist")
    appointment = add_appointment(started_today(world.a))
    step = SURFACES[surface]
    if surface == "002 visits":  # opens the visit, then its own step path
        assert step(client, appointment, "arrived", headers) == 201
        visit = visit_of(appointment.id)
        assert client.post(f"/api/v1/visits/visits/{visit.id}/finish",
                           headers=headers).status_code == 200
    else:
        for status in ("arrived", "in_progress", "completed"):
            assert step(client, appointment, status, headers) == 200, status
    assert_completed(appointment.id, user)


@pytest.mark.parametrize("surface", SURFACES)
def test_each_surface_marks_a_no_show(client, world, add_appointment, signed_in, surface):
    user, headers = signed_in("receptionist")
    appointment = add_appointment(started_today(world.a))
    expected = 201 if surface == "002 visits" else 200
    assert SURFACES[surface](client, appointment, "no_show", headers) == expected
    assert_no_show(appointment.id, user)


def test_the_no_show_job_writes_the_visit(app, world, add_appointment):
    appointment = add_appointment(utcnow() - timedelta(hours=2))
    result = app.test_cli_runner().invoke(args=["mark-no-shows", "--grace-minutes", "30"])
    assert result.exit_code == 0 and "1" in result.output, result.output
    assert_no_show(appointment.id, None)


def test_a_late_arrival_after_a_no_show_keeps_one_visit(client, world, add_appointment,
                                                        signed_in):
    user, headers = signed_in("receptionist")
    appointment = add_appointment(started_today(world.a))
    assert desk(client, appointment, "no_show", headers) == 200
    assert calendar_dialog(client, appointment, "arrived", headers) == 200
    visit = visit_of(appointment.id)
    assert visit.status == "arrived" and visit.arrived_by_id == user.id
    assert db.session.scalar(db.select(db.func.count()).select_from(Visit).where(
        Visit.appointment_id == appointment.id)) == 1


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("role, allowed", [("manager", True), ("doctor", True),
                                           ("cashier", False)])
def test_rights_are_the_same_on_every_surface(client, world, add_appointment, signed_in,
                                              surface, role, allowed):
    user, headers = signed_in(role)
    if role == "doctor":  # a doctor moves their own patients (tests/visits/test_own_patients)
        world.doctor.user_id = user.id
        db.session.commit()
    appointment = add_appointment(started_today(world.a))
    code = SURFACES[surface](client, appointment, "arrived", headers)
    if allowed:
        assert code in (200, 201)
        assert visit_of(appointment.id).arrived_by_id == user.id
    else:
        assert code == 403
        assert visit_of(appointment.id) is None
        assert db.session.get(Appointment, appointment.id).status == "booked"


def test_patients_cancel_through_the_same_service(client, world, make_user, api_login,
                                                  add_appointment):
    user = make_user("patient")
    world.patient.user_id = user.id
    db.session.commit()
    headers = bearer(api_login(user.email)["access"])
    appointment = add_appointment(utcnow() + timedelta(days=2))
    response = client.delete(f"/api/v1/appointments/{appointment.id}", headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert ("appointment.cancelled", user.id) in audit(appointment.id, None)
    # A patient changes no other status, on any path.
    other = add_appointment(utcnow() + timedelta(days=3))
    assert client.patch(f"/api/v1/calendar/appointments/{other.id}", headers=headers,
                        json={"status": "confirmed"}).status_code == 403
