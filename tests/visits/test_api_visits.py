"""Document 002's visits: open a visit, mark arrived, start, finish; lists and the queue."""
from __future__ import annotations

from datetime import timedelta

from clinicapp.audit.models import AuditEntry
from clinicapp.extensions import db
from clinicapp.scheduling.models import Appointment
from clinicapp.scheduling.status import open_visit
from clinicapp.visits import queries
from tests.scheduling.conftest import at, future_day
from tests.scheduling.test_api_calendar import assert_error

URL = "/api/v1/visits/visits"


def status_of(appointment_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Appointment, appointment_id).status


def test_create_moves_the_appointment_along(client, world, desk, add_appointment):
    appointment = add_appointment(at(future_day(0), "10:00"))
    response = client.post(URL, headers=desk[1], json={"appointment": appointment.id,
                                                       "status": "in_progress"})
    assert response.status_code == 201, response.get_json()
    visit = response.get_json()
    assert (visit["appointment"], visit["status"]) == (appointment.id, "in_progress")
    assert visit["arrived_at"] and visit["started_at"] and visit["finished_at"] is None
    assert visit["appointment_details"]["status"] == "in_progress"
    assert status_of(appointment.id) == "in_progress"
    # One visit per appointment: the second is a 409 naming the first.
    error = assert_error(client.post(URL, headers=desk[1], json={"appointment": appointment.id}),
                         409)
    assert f"№{visit['id']}" in error["detail"]
    response = client.post(f"{URL}/{visit['id']}/finish", headers=desk[1])
    assert response.get_json()["status"] == "completed" and response.get_json()["finished_at"]
    assert status_of(appointment.id) == "completed"
    assert_error(client.post(f"{URL}/{visit['id']}/mark_arrived", headers=desk[1]), 409)


def test_mark_arrived_start_finish(client, world, desk, add_appointment):
    appointment = add_appointment(at(future_day(0), "10:00"))
    visit = client.post(URL, headers=desk[1], json={"appointment": appointment.id,
                                                    "status": "no_show"}).get_json()
    assert status_of(appointment.id) == "no_show" and visit["arrived_at"] is None
    response = client.post(f"{URL}/{visit['id']}/mark_arrived", headers=desk[1])
    assert response.status_code == 200 and response.get_json()["status"] == "arrived"
    assert response.get_json()["waiting_minutes"] == 0
    assert status_of(appointment.id) == "arrived"
    again = client.post(f"{URL}/{visit['id']}/mark_arrived", headers=desk[1])
    assert again.status_code == 200
    assert client.post(f"{URL}/{visit['id']}/start", headers=desk[1]).get_json()[
        "status"] == "in_progress"
    assert status_of(appointment.id) == "in_progress"
    assert client.post(f"{URL}/{visit['id']}/finish", headers=desk[1]).status_code == 200
    actions = list(db.session.scalars(db.select(AuditEntry.action).where(
        AuditEntry.target_type == "visits").order_by(AuditEntry.id)))
    assert actions == ["visit.created", "visit.status_changed", "visit.status_changed",
                       "visit.status_changed"]


def test_create_errors(client, world, desk, api_as, add_appointment):
    cancelled = add_appointment(at(future_day(0), "10:00"), status="cancelled")
    assert_error(client.post(URL, headers=desk[1], json={"appointment": cancelled.id}), 409)
    assert_error(client.post(URL, headers=desk[1], json={"appointment": 999_999}), 404)
    assert_error(client.post(URL, headers=desk[1], json={}), 400, "appointment")
    appointment = add_appointment(at(future_day(0), "11:00"))
    assert_error(client.post(URL, headers=desk[1], json={"appointment": appointment.id,
                                                         "status": "booked"}), 400, "status")
    _, other_branch = api_as("receptionist", branches=[world.b])
    assert_error(client.post(URL, headers=other_branch, json={"appointment": appointment.id}),
                 403)
    _, cashier = api_as("cashier", branches=[world.a])
    assert_error(client.post(URL, headers=cashier, json={"appointment": appointment.id}), 403)
    assert_error(client.post(URL, json={"appointment": appointment.id}), 401)
    assert_error(client.post(f"{URL}/999999/mark_arrived", headers=desk[1]), 404)


def test_list_and_detail(client, world, desk, api_as, add_appointment):
    day = future_day(0)
    first = add_appointment(at(day, "10:00"))
    second = add_appointment(at(day, "11:00"))
    elsewhere = add_appointment(at(day, "10:00"), clinic=world.b, doctor=world.other_doctor)
    ids = {}
    for appointment, status in ((second, "arrived"), (first, "completed")):
        ids[appointment.id] = client.post(URL, headers=desk[1], json={
            "appointment": appointment.id, "status": status}).get_json()["id"]
    open_visit(None, elsewhere)
    db.session.commit()
    response = client.get(URL, headers=desk[1], query_string={"date": day.isoformat()})
    assert response.status_code == 200 and response.headers["X-Total-Count"] == "2"
    assert [v["appointment"] for v in response.get_json()] == [first.id, second.id]
    assert [v["appointment"] for v in client.get(URL, headers=desk[1], query_string={
        "date": day.isoformat(), "status": "arrived"}).get_json()] == [second.id]
    assert client.get(URL, headers=desk[1], query_string={
        "date": (day + timedelta(days=1)).isoformat()}).get_json() == []
    detail = client.get(f"{URL}/{ids[first.id]}", headers=desk[1])
    assert detail.status_code == 200 and detail.get_json()["appointment"] == first.id
    _, other_branch = api_as("receptionist", branches=[world.b])
    assert_error(client.get(f"{URL}/{ids[first.id]}", headers=other_branch), 403)
    assert_error(client.get(URL, headers=desk[1], query_string={"branch": world.b.id}), 403)
    assert_error(client.get(URL, headers=desk[1], query_string={"date": "вчера"}), 400, "date")
    assert_error(client.get(f"{URL}/999999", headers=desk[1]), 404)


def test_day_queue(world, desk, add_appointment):
    day = future_day(0)
    now = at(day, "12:00")  # the queue as it looks at noon that day
    expected = add_appointment(now + timedelta(minutes=30))
    waiting = add_appointment(now - timedelta(minutes=5), doctor=world.other_doctor)
    open_visit(desk[0], waiting, now=now - timedelta(minutes=12))
    done = add_appointment(now - timedelta(hours=2), patient=world.patient2)
    open_visit(desk[0], done, "completed", now=now - timedelta(hours=1))
    add_appointment(now + timedelta(hours=1), status="cancelled")
    db.session.commit()
    queue = queries.day_queue(world.a.id, day, now)
    assert list(queue) == ["expected", "waiting", "with_doctor", "done", "no_show"]
    assert [e.appointment.id for e in queue["expected"]] == [expected.id]
    [entry] = queue["waiting"]
    assert entry.appointment.id == waiting.id and entry.waiting_minutes == 12
    assert entry.visit.status == "arrived"
    assert [e.appointment.id for e in queue["done"]] == [done.id]
    assert queue["with_doctor"] == queue["no_show"] == []


def test_a_cancelled_appointment_is_no_waiting_patient(client, world, desk, add_appointment):
    """Arrived, then left before the doctor saw them: the visit is history, not waiting."""
    day = future_day(0)
    appointment = add_appointment(at(day, "10:00"))
    visit = client.post(URL, headers=desk[1], json={"appointment": appointment.id}).get_json()
    assert visit["waiting_minutes"] is not None
    response = client.patch(f"/api/v1/calendar/appointments/{appointment.id}", headers=desk[1],
                            json={"status": "cancelled", "cancel_reason": "Ушёл, не дождался"})
    assert response.status_code == 200
    listed = client.get(URL, headers=desk[1], query_string={"date": day.isoformat()})
    assert listed.get_json() == [] and listed.headers["X-Total-Count"] == "0"
    detail = client.get(f"{URL}/{visit['id']}", headers=desk[1]).get_json()
    assert detail["status"] == "arrived" and detail["waiting_minutes"] is None
    assert detail["appointment_details"]["status"] == "cancelled"
