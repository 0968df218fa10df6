"""The scheduling services directly: events, scoping, statuses, the no-show job."""
from __future__ import annotations

from datetime import timedelta

import pytest

from clinicapp.api import live
from clinicapp.audit.models import AuditEntry
from clinicapp.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clinicapp.core.models import utcnow
from clinicapp.extensions import db
from clinicapp.scheduling import queries, services, status
from clinicapp.scheduling.live import branch_room
from clinicapp.scheduling.models import Appointment, Visit

from .conftest import at, future_day


@pytest.fixture
def published(monkeypatch):
    """Every live calendar event: [(type, channel, appointment json)]."""
    calls = []
    monkeypatch.setattr(live, "publish", lambda channel, event, payload: calls.append(
        (event, channel, payload["appointment"])))
    return calls


def test_every_change_is_published_with_the_appointment_json(app, world, make_user, published):
    desk = make_user("receptionist", branches=[world.a])
    day = future_day(0)
    appointment, _ = services.book_appointment(
        desk, clinic=world.a, doctor=world.doctor, patient=world.patient,
        service=world.service, starts_at=at(day, "10:00"))
    services.move_appointment(desk, appointment, at(day, "11:00"))
    services.update_appointment(desk, appointment, comment="Позвонить")
    status.change_status(desk, appointment, "confirmed")
    services.cancel_appointment(desk, appointment, "Заболел")
    assert [call[0] for call in published] == [
        "appointment_created", "appointment_moved", "appointment_updated",
        "appointment_updated", "appointment_cancelled"]
    assert {call[1] for call in published} == {branch_room(world.a.id)}
    created = published[0][2]
    assert created["id"] == appointment.id and created["time"] == "10:00"
    assert created["start_datetime"].endswith("Z") and created["date"] == day.isoformat()
    assert published[1][2]["time"] == "11:00"
    assert published[-1][2]["status"] == "cancelled"
    actions = list(db.session.scalars(db.select(AuditEntry.action).where(
        AuditEntry.target_type == "appointments", AuditEntry.target_id == str(appointment.id))
        .order_by(AuditEntry.id)))
    assert actions == ["appointment.created", "appointment.moved", "appointment.updated",
                       "appointment.status_changed", "appointment.cancelled"]


def test_a_refused_write_keeps_the_transaction_usable(app, world, make_user, add_appointment,
                                                      published):
    desk = make_user("receptionist", branches=[world.a])
    day = future_day(0)
    taken = add_appointment(at(day, "10:00"))
    with pytest.raises(Conflict) as refused:
        services.book_appointment(desk, clinic=world.a, doctor=world.doctor,
                                  patient=world.patient2, starts_at=at(day, "10:15"),
                                  ends_at=at(day, "10:45"))
    assert refused.value.detail == "Занято: Пациентов П., 10:00–10:30"
    assert refused.value.details["conflicts"] == [taken.id]
    # The same session goes on working: the savepoint took the failure.
    appointment, _ = services.book_appointment(
        desk, clinic=world.a, doctor=world.doctor, patient=world.patient2,
        starts_at=at(day, "10:30"), ends_at=at(day, "11:00"))
    db.session.commit()
    assert db.session.get(Appointment, appointment.id) is not None
    assert [call[0] for call in published] == ["appointment_created"]


def test_patients_act_only_on_their_own(app, world, make_user, add_appointment):
    user = make_user("patient")
    world.patient.user_id = user.id
    db.session.commit()
    day = future_day(0)
    with pytest.raises(PermissionDenied):
        services.book_appointment(user, clinic=world.a, doctor=world.doctor,
                                  patient=world.patient2, service=world.service,
                                  starts_at=at(day, "10:00"), source="mobile")
    with pytest.raises(ValidationFailed):  # no override of working hours for patients
        services.book_appointment(user, clinic=world.a, doctor=world.doctor,
                                  patient=world.patient, service=world.service,
                                  starts_at=at(day, "20:00"), source="mobile",
                                  override_hours=True)
    theirs = add_appointment(at(day, "12:00"), patient=world.patient2)
    with pytest.raises(NotFound):
        services.cancel_appointment(user, theirs)
    with pytest.raises(NotFound):
        queries.appointment_for(user, theirs.id)
    mine = add_appointment(at(day, "15:00"))
    with pytest.raises(PermissionDenied):
        services.move_appointment(user, mine, at(day, "14:00"))


def test_status_transitions(app, world, make_user, add_appointment):
    desk = make_user("receptionist", branches=[world.a])
    appointment = add_appointment(at(future_day(0), "10:00"))
    status.change_status(desk, appointment, "no_show")
    status.change_status(desk, appointment, "arrived")  # came late after all
    status.change_status(desk, appointment, "completed")
    for target in ("booked", "in_progress", "no_show"):
        with pytest.raises(Conflict):
            status.change_status(desk, appointment, target)
    with pytest.raises(Conflict):
        services.cancel_appointment(desk, appointment)


def test_mark_no_shows_after_the_grace_period(app, world, add_appointment, published):
    now = utcnow()
    overdue = add_appointment(now - timedelta(minutes=45))
    confirmed = add_appointment(now - timedelta(hours=3), status="confirmed")
    within_grace = add_appointment(now - timedelta(minutes=10), patient=world.patient2,
                                   doctor=world.other_doctor)
    arrived = add_appointment(now - timedelta(hours=2), status="arrived")
    future = add_appointment(now + timedelta(hours=1))
    marked = status.mark_no_shows(now, grace_minutes=30)
    assert {a.id for a in marked} == {overdue.id, confirmed.id}
    db.session.expire_all()
    statuses = {a.id: a.status for a in db.session.scalars(db.select(Appointment))}
    assert statuses[overdue.id] == statuses[confirmed.id] == "no_show"
    assert statuses[within_grace.id] == "booked" and statuses[arrived.id] == "arrived"
    assert statuses[future.id] == "booked"
    assert [call[0] for call in published] == ["appointment_updated"] * 2
    entry = db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "appointment.status_changed",
        AuditEntry.target_id == str(overdue.id)))
    assert entry.actor_id is None and entry.changes == {"status": ["booked", "no_show"],
                                                        "grace_minutes": 30}
    visit = db.session.scalar(db.select(Visit).where(Visit.appointment_id == overdue.id))
    assert visit.status == "no_show" and visit.no_show_at == now and visit.no_show_by_id is None
    assert queries.no_show_count(world.patient.id) == 2
    assert status.mark_no_shows(now, grace_minutes=30) == []


def test_mark_no_shows_command(app, world, add_appointment):
    overdue = add_appointment(utcnow() - timedelta(minutes=90))
    result = app.test_cli_runner().invoke(args=["mark-no-shows", "--grace-minutes", "60"])
    assert result.exit_code == 0, result.output
    assert "Отмечено «не пришёл»: 1" in result.output
    db.session.expire_all()
    assert db.session.get(Appointment, overdue.id).status == "no_show"
    bad = app.test_cli_runner().invoke(args=["mark-no-shows", "--grace-minutes", "-5"])
    assert bad.exit_code != 0
