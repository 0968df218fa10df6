"""Document 002's calendar: list, create, get, patch, cancel, move, conflicts."""
from __future__ import annotations

from datetime import timedelta

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.catalog.models import Service
from clinicapp.extensions import db
from clinicapp.scheduling.models import Appointment, Visit

from .conftest import ALMATY, at, future_day, z

URL = "/api/v1/calendar/appointments"
FIELDS_002 = {"id", "branch", "employee", "patient", "start_datetime", "end_datetime", "status",
              "is_primary"}
FIELDS_001 = {"clinic_id", "doctor_id", "service_id", "date", "time"}


def assert_error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert set(body) == {"detail", "error", "details"} and body["detail"]
    if field:
        assert field in body["details"], body
    return body


def body(world, start, end=None, **extra) -> dict:
    data = {"branch": world.a.id, "employee": world.doctor.id, "patient": world.patient.id,
            "start_datetime": z(start), "end_datetime": z(end or start + timedelta(minutes=30))}
    data.update(extra)
    return data


# --- create ----------------------------------------------------------------------------

def test_create_returns_201_with_the_union_of_fields(client, world, desk):
    day = future_day(0)
    response = client.post(URL, headers=desk[1], json=body(
        world, at(day, "10:00"), status="confirmed", is_primary=True, comment="Первичный"))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert FIELDS_002 | FIELDS_001 <= set(data)
    assert data["branch"] == data["clinic_id"] == world.a.id
    assert data["employee"] == data["doctor_id"] == world.doctor.id
    assert data["start_datetime"] == z(at(day, "10:00"))
    assert (data["date"], data["time"], data["duration"]) == (day.isoformat(), "10:00", 30)
    assert (data["status"], data["is_primary"], data["source"]) == ("confirmed", True, "staff")
    assert data["patient_name"] == "Пациентов Пётр" and data["warnings"] == []
    row = db.session.get(Appointment, data["id"])
    assert row.created_by_id == desk[0].id and row.comment == "Первичный"
    entry = db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "appointment.created", AuditEntry.target_id == str(row.id)))
    assert entry.actor_id == desk[0].id


def test_end_defaults_to_the_service_duration_and_branch_from_header(client, world, desk):
    data = {"employee": world.doctor.id, "patient": world.patient.id, "service": world.service.id,
            "start_datetime": z(at(future_day(0), "10:00"))}
    response = client.post(URL, headers={**desk[1], "X-Branch-Id": str(world.a.id)}, json=data)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["duration"] == 30
    assert response.get_json()["service_id"] == world.service.id


def test_naive_time_is_the_branch_wall_clock(client, world, desk):
    start = at(future_day(0), "10:00")
    data = body(world, start)
    data["start_datetime"] = start.astimezone(world_zone(world)).strftime("%Y-%m-%dT%H:%M:%S")
    data.pop("end_datetime")
    data["service"] = world.service.id
    response = client.post(URL, headers=desk[1], json=data)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["start_datetime"] == z(start)


def world_zone(world):
    from zoneinfo import ZoneInfo

    return ZoneInfo(world.a.timezone)


def test_double_booking_is_a_409_naming_the_appointment(client, world, desk, add_appointment):
    day = future_day(0)
    existing = add_appointment(at(day, "10:00"), at(day, "11:00"))
    response = client.post(URL, headers=desk[1], json=body(world, at(day, "10:30"),
                                                            patient=world.patient2.id))
    error = assert_error(response, 409, "start_datetime")
    assert error["error"] == "slot_taken"
    # Staff read whose time it is: the patient's short name and the time, no internal number.
    assert error["detail"] == "Занято: Пациентов П., 10:00–11:00"
    assert error["details"]["start_datetime"] == [error["detail"]]
    assert error["details"]["conflicts"] == [existing.id]
    # Back to back is fine, and so is the same time with another doctor.
    assert client.post(URL, headers=desk[1], json=body(world, at(day, "11:00"))).status_code == 201
    assert client.post(URL, headers=desk[1], json=body(
        world, at(day, "10:00"), employee=world.other_doctor.id,
        patient=world.patient2.id)).status_code == 201


def test_double_booking_across_branches(client, world, api_as, add_appointment):
    day = future_day(0)
    add_appointment(at(day, "10:00"), at(day, "11:00"), clinic=world.b)
    _, headers = api_as("manager", branches=[world.a, world.b])
    response = client.post(URL, headers=headers, json=body(world, at(day, "10:00"),
                                                            override_hours=True))
    assert "Клиника в Алматы" in assert_error(response, 409)["detail"]


def test_patient_overlap_with_another_doctor_is_a_warning(client, world, desk, add_appointment):
    day = future_day(0)
    other = add_appointment(at(day, "10:00"), at(day, "11:00"), doctor=world.other_doctor)
    response = client.post(URL, headers=desk[1], json=body(world, at(day, "10:30")))
    assert response.status_code == 201
    [warning] = response.get_json()["warnings"]
    assert warning["code"] == "patient_overlap" and warning["appointment"] == other.id
    assert "Другов" in warning["detail"]


@pytest.mark.parametrize("change, field", [
    ({"employee": 999_999}, "employee"),
    ({"patient": 999_999}, "patient"),
    ({"service": 999_999}, "service"),
    ({"employee": "1"}, "employee"),
    ({"start_datetime": "завтра"}, "start_datetime"),
    ({"start_datetime": "0001-01-01T10:00:00+05:00"}, "start_datetime"),
    ({"status": "completed"}, "status"),
    ({"is_primary": "yes"}, "is_primary"),
    ({"comment": "x" * 2001}, "comment"),
])
def test_bad_input_names_the_field(client, world, desk, change, field):
    response = client.post(URL, headers=desk[1], json=body(world, at(future_day(0), "10:00"),
                                                            **change))
    assert_error(response, 400, field)


def test_end_before_start_and_the_past(client, world, desk):
    day = future_day(0)
    error = assert_error(client.post(URL, headers=desk[1], json=body(
        world, at(day, "10:00"), at(day, "09:30"))), 400, "end_datetime")
    assert "позже начала" in error["details"]["end_datetime"][0]
    past = at(day - timedelta(days=14), "10:00")
    error = assert_error(client.post(URL, headers=desk[1], json=body(world, past)), 400,
                         "start_datetime")
    assert "прошедшее" in error["details"]["start_datetime"][0]
    no_end = body(world, at(day, "10:00"))
    no_end.pop("end_datetime")
    assert_error(client.post(URL, headers=desk[1], json=no_end), 400, "end_datetime")


def test_doctor_and_service_must_fit_the_branch(client, world, desk, make_clinic):
    day = future_day(0)
    stranger = make_clinic("Третий филиал")
    other_service = Service(code="X1", name="Чужая услуга", price=1, duration_minutes=20)
    other_service.clinics = [stranger]
    other_service.doctors = [world.doctor]
    not_his = Service(code="X2", name="Не его услуга", price=1, duration_minutes=20)
    not_his.clinics = [world.a]
    db.session.add_all([other_service, not_his])
    db.session.commit()
    error = assert_error(client.post(URL, headers=desk[1], json=body(
        world, at(day, "10:00"), service=other_service.id)), 400, "service")
    assert "не оказывают в филиале" in error["details"]["service"][0]
    error = assert_error(client.post(URL, headers=desk[1], json=body(
        world, at(day, "10:00"), service=not_his.id)), 400, "service")
    assert "не оказывает услугу" in error["details"]["service"][0]
    manager_headers = desk[1]
    error = assert_error(client.post(URL, headers=manager_headers, json=body(
        world, at(day, "10:00"), employee=world.other_doctor.id, branch=world.b.id)), 403)


def test_outside_hours_needs_an_explicit_audited_override(client, world, desk):
    day = future_day(0)
    late = body(world, at(day, "19:00"))
    error = assert_error(client.post(URL, headers=desk[1], json=late), 400, "start_datetime")
    assert error["error"] == "outside_working_hours"
    assert "09:00–13:00, 14:00–18:00" in error["detail"]
    response = client.post(URL, headers=desk[1], json={**late, "override_hours": True})
    assert response.status_code == 201 and response.get_json()["outside_hours"] is True
    entry = db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "appointment.hours_overridden"))
    assert entry.target_id == str(response.get_json()["id"]) and entry.actor_id == desk[0].id
    # Across the lunch break is outside hours too.
    assert_error(client.post(URL, headers=desk[1], json=body(
        world, at(day, "12:45"), patient=world.patient2.id)), 400, "start_datetime")


def test_branch_scoping_and_permissions(client, world, api_as):
    day = future_day(0)
    _, other_desk = api_as("receptionist", branches=[world.b])
    assert_error(client.post(URL, headers=other_desk, json=body(world, at(day, "10:00"))), 403)
    _, doctor = api_as("doctor", branches=[world.a])
    assert_error(client.post(URL, headers=doctor, json=body(world, at(day, "10:00"))), 403)
    assert_error(client.post(URL, json=body(world, at(day, "10:00"))), 401)
    _, desk = api_as("receptionist", branches=[world.a])
    error = assert_error(client.post(URL, headers={**desk, "X-Branch-Id": str(world.b.id)},
                                     json=body(world, at(day, "10:00"))), 400)
    assert "branch" in error["details"] and "X-Branch-Id" in error["details"]
    missing = body(world, at(day, "10:00"))
    missing.pop("branch")
    assert_error(client.post(URL, headers=desk, json=missing), 400, "branch")
    assert_error(client.post(URL, headers=desk, json=body(world, at(day, "10:00"),
                                                          branch=999_999)), 404)


# --- list ------------------------------------------------------------------------------

def test_list_by_branch_period_and_filters(client, world, desk, add_appointment):
    day = future_day(0)
    first = add_appointment(at(day, "10:00"))
    late_evening = add_appointment(at(day, "23:30"))  # 20:30 UTC: still this local day
    cancelled = add_appointment(at(day, "11:00"), status="cancelled")
    other = add_appointment(at(day, "10:00"), doctor=world.other_doctor, patient=world.patient2)
    add_appointment(at(day + timedelta(days=1), "00:15"))  # next local day
    add_appointment(at(day, "10:00"), clinic=world.b, doctor=world.other_doctor,
                    patient=world.patient2, status="cancelled")
    query = {"branch": world.a.id, "date_from": day.isoformat(), "date_to": day.isoformat()}
    response = client.get(URL, headers=desk[1], query_string=query)
    assert response.status_code == 200
    assert [a["id"] for a in response.get_json()] == [first.id, other.id, cancelled.id,
                                                       late_evening.id]
    ids = [a["id"] for a in client.get(URL, headers=desk[1], query_string={
        **query, "employee": world.other_doctor.id}).get_json()]
    assert ids == [other.id]
    ids = [a["id"] for a in client.get(URL, headers=desk[1], query_string={
        **query, "status": "cancelled"}).get_json()]
    assert ids == [cancelled.id]
    header = client.get(URL, headers={**desk[1], "X-Branch-Id": str(world.a.id)},
                        query_string={"date_from": day.isoformat()})
    assert len(header.get_json()) == 4
    # Without a branch: the caller's branches only (B's appointment is not listed).
    assert len(client.get(URL, headers=desk[1], query_string={
        "date_from": day.isoformat()}).get_json()) == 4


def test_list_errors(client, world, desk, api_as):
    day = future_day(0).isoformat()
    error = assert_error(client.get(URL, headers={**desk[1], "X-Branch-Id": str(world.b.id)},
                                    query_string={"branch": world.a.id}), 400)
    assert {"branch", "X-Branch-Id"} <= set(error["details"])
    assert_error(client.get(URL, headers=desk[1], query_string={"branch": world.b.id}), 403)
    assert_error(client.get(URL, headers={**desk[1], "X-Branch-Id": " "}), 400, "X-Branch-Id")
    assert_error(client.get(URL, headers=desk[1], query_string={"branch": 999_999}), 404)
    assert_error(client.get(URL, headers=desk[1], query_string={
        "date_from": day, "date_to": "2000-01-01"}), 400, "date_to")
    assert_error(client.get(URL, headers=desk[1], query_string={
        "date_from": "2030-01-01", "date_to": "2030-12-31"}), 400, "date_to")
    assert_error(client.get(URL, headers=desk[1], query_string={"date_from": "31.12.2030"}),
                 400, "date_from")
    assert_error(client.get(URL, headers=desk[1], query_string={"status": "lost"}), 400, "status")
    assert_error(client.get(URL), 401)
    _, patient = api_as("patient")
    assert_error(client.get(URL, headers=patient), 403)


# --- get, conflicts, routing -----------------------------------------------------------

def test_get_one_and_scoping(client, world, desk, api_as, add_appointment):
    mine = add_appointment(at(future_day(0), "10:00"))
    theirs = add_appointment(at(future_day(0), "10:00"), clinic=world.b,
                             doctor=world.other_doctor)
    response = client.get(f"{URL}/{mine.id}", headers=desk[1])
    assert response.status_code == 200 and response.get_json()["id"] == mine.id
    assert_error(client.get(f"{URL}/{theirs.id}", headers=desk[1]), 403)
    assert_error(client.get(f"{URL}/999999", headers=desk[1]), 404)
    assert_error(client.get(f"{URL}/99999999999", headers=desk[1]), 404)


def test_conflicts_route_never_reaches_the_id_route(client, world, desk, add_appointment):
    day = future_day(0)
    query = {"employee": world.doctor.id, "start_datetime": z(at(day, "10:00")),
             "end_datetime": z(at(day, "11:00"))}
    response = client.get(f"{URL}/conflicts", headers=desk[1], query_string=query)
    assert response.status_code == 200 and response.get_json() == []
    clash = add_appointment(at(day, "10:30"), at(day, "11:30"))
    add_appointment(at(day, "10:00"), at(day, "10:30"), status="cancelled")
    add_appointment(at(day, "11:00"), at(day, "11:30"), doctor=world.other_doctor)
    response = client.get(f"{URL}/conflicts", headers=desk[1], query_string=query)
    assert [a["id"] for a in response.get_json()] == [clash.id]
    assert response.get_json()[0]["patient_name"] == "Пациентов Пётр"
    assert client.get(f"{URL}/conflicts", headers=desk[1], query_string={
        **query, "exclude": clash.id}).get_json() == []
    # The fixed path answers GET only; it is never taken for an id.
    assert client.patch(f"{URL}/conflicts", headers=desk[1], json={}).status_code == 405
    assert client.delete(f"{URL}/conflicts", headers=desk[1]).status_code == 405


def test_conflicts_errors_and_other_branches(client, world, desk, api_as, add_appointment):
    day = future_day(0)
    query = {"employee": world.doctor.id, "start_datetime": z(at(day, "11:00")),
             "end_datetime": z(at(day, "10:00"))}
    assert_error(client.get(f"{URL}/conflicts", headers=desk[1], query_string=query), 400,
                 "end_datetime")
    assert_error(client.get(f"{URL}/conflicts", headers=desk[1], query_string={
        "employee": world.doctor.id}), 400, "start_datetime")
    # A clash in a branch the caller does not see is shown without the patient.
    add_appointment(at(day, "10:00"), clinic=world.b)
    _, almaty = api_as("receptionist", branches=[world.b])
    _, moscow_only = api_as("receptionist", branches=[world.a])
    query = {"employee": world.doctor.id, "start_datetime": z(at(day, "09:00")),
             "end_datetime": z(at(day, "12:00"))}
    [seen] = client.get(f"{URL}/conflicts", headers=moscow_only, query_string=query).get_json()
    assert seen["patient_name"] is None
    [seen] = client.get(f"{URL}/conflicts", headers=almaty, query_string=query).get_json()
    assert seen["patient_name"] == "Пациентов Пётр"
    other_query = {**query, "employee": world.other_doctor.id}
    assert_error(client.get(f"{URL}/conflicts", headers=almaty, query_string=other_query), 403)


# --- patch -----------------------------------------------------------------------------

def test_patch_fields_and_status_chain(client, world, desk, add_appointment):
    appointment = add_appointment(at(future_day(0), "10:00"))
    url = f"{URL}/{appointment.id}"
    response = client.patch(url, headers=desk[1], json={
        "status": "confirmed", "comment": "Перезвонить", "is_primary": True,
        "service": world.service.id})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert (data["status"], data["comment"], data["is_primary"], data["service_id"]) == (
        "confirmed", "Перезвонить", True, world.service.id)
    error = assert_error(client.patch(url, headers=desk[1], json={"status": "booked"}), 409,
                         "status")
    assert "Подтвердил" in error["detail"]
    response = client.patch(url, headers=desk[1], json={"status": "arrived"})
    assert response.get_json()["status"] == "arrived"
    visit = db.session.scalar(db.select(Visit).where(Visit.appointment_id == appointment.id))
    assert visit.status == "arrived" and visit.arrived_at is not None
    assert client.patch(url, headers=desk[1], json={"status": "completed"}).get_json()[
        "status"] == "completed"
    assert_error(client.patch(url, headers=desk[1], json={"status": "cancelled"}), 409)
    assert client.patch(url, headers=desk[1], json={}).status_code == 200


def test_patch_statuses_follow_the_one_rule(client, world, api_as, add_appointment):
    """Visit statuses need visits.manage, confirming and cancelling calendar.manage,
    other fields calendar.manage: a cashier may do none, a doctor only visit steps (of
    their own patients: tests/visits/test_own_patients.py)."""
    appointment = add_appointment(at(future_day(0), "10:00"))
    url = f"{URL}/{appointment.id}"
    _, cashier = api_as("cashier", branches=[world.a])
    for body in ({"status": "arrived"}, {"status": "confirmed"}, {"status": "cancelled"},
                 {"comment": "Позвонить"}):
        assert_error(client.patch(url, headers=cashier, json=body), 403)
    doctor_user, doctor = api_as("doctor", branches=[world.a])
    world.doctor.user_id = doctor_user.id  # the appointment's doctor
    db.session.commit()
    assert_error(client.patch(url, headers=doctor, json={"status": "confirmed"}), 403)
    assert_error(client.patch(url, headers=doctor, json={"comment": "Позвонить"}), 403)
    assert client.patch(url, headers=doctor, json={"status": "arrived"}).get_json()[
        "status"] == "arrived"
    _, manager = api_as("manager", branches=[world.a])
    response = client.patch(url, headers=manager, json={
        "status": "cancelled", "cancel_reason": "Заболел"})
    assert response.get_json()["status"] == "cancelled"
    assert response.get_json()["cancel_reason"] == "Заболел"


def test_patch_moves_and_validates(client, world, desk, add_appointment):
    day = future_day(0)
    appointment = add_appointment(at(day, "10:00"))
    blocker = add_appointment(at(day, "12:00"), patient=world.patient2)
    url = f"{URL}/{appointment.id}"
    response = client.patch(url, headers=desk[1], json={"start_datetime": z(at(day, "11:00"))})
    assert response.get_json()["time"] == "11:00" and response.get_json()["duration"] == 30
    error = assert_error(client.patch(url, headers=desk[1], json={
        "start_datetime": z(at(day, "12:15"))}), 409)
    assert error["detail"] == "Занято: Вторых О., 12:00–12:30"
    assert error["details"]["conflicts"] == [blocker.id]
    assert_error(client.patch(url, headers=desk[1], json={"service": 999_999}), 400, "service")
    assert_error(client.patch(url, headers=desk[1], json={"status": "unknown"}), 400, "status")
    assert_error(client.patch(url, headers=desk[1], json={"employee": 999_999}), 400, "employee")


# --- delete = cancel -------------------------------------------------------------------

def test_delete_cancels_with_a_reason_and_frees_the_time(client, world, desk, add_appointment):
    day = future_day(0)
    appointment = add_appointment(at(day, "10:00"))
    response = client.delete(f"{URL}/{appointment.id}", headers=desk[1],
                             query_string={"reason": "Пациент заболел"})
    assert response.status_code == 200
    data = response.get_json()
    assert (data["status"], data["cancel_reason"]) == ("cancelled", "Пациент заболел")
    assert db.session.get(Appointment, appointment.id).cancelled_at is not None
    assert_error(client.delete(f"{URL}/{appointment.id}", headers=desk[1]), 409)
    assert client.post(URL, headers=desk[1], json=body(
        world, at(day, "10:00"), patient=world.patient2.id)).status_code == 201
    # The reason may also come in a JSON body; staff may cancel after the start.
    started = add_appointment(at(day - timedelta(days=10), "10:00"))
    response = client.delete(f"{URL}/{started.id}", headers=desk[1], json={"reason": "Ошибка"})
    assert response.get_json()["cancel_reason"] == "Ошибка"
    assert_error(client.delete(f"{URL}/999999", headers=desk[1]), 404)


# --- move ------------------------------------------------------------------------------

def test_cannot_move_onto_another_appointment(client, world, desk, add_appointment):
    day = future_day(0)
    moving = add_appointment(at(day, "10:00"), at(day, "10:30"))
    other = add_appointment(at(day, "11:00"), at(day, "12:00"), patient=world.patient2)
    response = client.post(f"{URL}/{moving.id}/move", headers=desk[1], json={
        "start_datetime": z(at(day, "11:30")), "end_datetime": z(at(day, "12:00"))})
    error = assert_error(response, 409, "start_datetime")
    assert error["detail"] == "Занято: Вторых О., 11:00–12:00"
    assert error["details"]["conflicts"] == [other.id]
    db.session.expire_all()
    unchanged = db.session.get(Appointment, moving.id)
    assert unchanged.starts_at == at(day, "10:00") and unchanged.ends_at == at(day, "10:30")


def test_move_resize_and_change_doctor(client, world, desk, add_appointment):
    day = future_day(0)
    appointment = add_appointment(at(day, "10:00"), at(day, "10:30"))
    url = f"{URL}/{appointment.id}/move"
    response = client.post(url, headers=desk[1], json={"start_datetime": z(at(day, "14:00")),
                                                       "end_datetime": z(at(day, "15:00"))})
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["time"], response.get_json()["duration"]) == ("14:00", 60)
    response = client.post(url, headers=desk[1], json={"start_datetime": z(at(day, "14:00")),
                                                       "employee": world.other_doctor.id})
    assert response.get_json()["employee"] == world.other_doctor.id
    entry = db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "appointment.moved").order_by(AuditEntry.id.desc()))
    assert entry.changes["from"]["employee"] == world.doctor.id


def test_move_errors(client, world, desk, add_appointment, make_clinic):
    day = future_day(0)
    appointment = add_appointment(at(day, "10:00"))
    url = f"{URL}/{appointment.id}/move"
    assert_error(client.post(url, headers=desk[1], json={
        "start_datetime": z(at(day - timedelta(days=14), "10:00"))}), 400, "start_datetime")
    assert_error(client.post(url, headers=desk[1], json={
        "start_datetime": z(at(day, "10:00")), "end_datetime": z(at(day, "09:00"))}), 400,
        "end_datetime")
    assert_error(client.post(url, headers=desk[1], json={
        "start_datetime": z(at(day, "20:00"))}), 400, "start_datetime")
    assert client.post(url, headers=desk[1], json={"start_datetime": z(at(day, "20:00")),
                                                   "override_hours": True}).status_code == 200
    assert_error(client.post(url, headers=desk[1], json={}), 400, "start_datetime")
    assert_error(client.post(url, headers=desk[1], json={
        "start_datetime": z(at(day, "10:00")), "employee": 999_999}), 400, "employee")
    from .conftest import make_doctor

    elsewhere = make_doctor([make_clinic("Далёкий филиал")], "Далёкий")
    error = assert_error(client.post(url, headers=desk[1], json={
        "start_datetime": z(at(day, "10:00")), "employee": elsewhere.id}), 400, "employee")
    assert "не работает в филиале" in error["details"]["employee"][0]
    cancelled = add_appointment(at(day, "15:00"), status="cancelled")
    assert_error(client.post(f"{URL}/{cancelled.id}/move", headers=desk[1], json={
        "start_datetime": z(at(day, "16:00"))}), 409)
    assert_error(client.post(f"{URL}/999999/move", headers=desk[1], json={
        "start_datetime": z(at(day, "16:00"))}), 404)


def test_almaty_branch_shows_its_own_wall_clock(client, world, api_as, add_appointment):
    day = future_day(0)
    appointment = add_appointment(at(day, "10:00", ALMATY), clinic=world.b)
    _, headers = api_as("receptionist", branches=[world.b])
    data = client.get(f"{URL}/{appointment.id}", headers=headers).get_json()
    assert (data["date"], data["time"]) == (day.isoformat(), "10:00")
    assert data["start_datetime"] == z(at(day, "05:00", world_zone(world).__class__("UTC")))
