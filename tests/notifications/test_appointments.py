"""The appointment notifications: a confirmation when an appointment is booked (through the
API), and the day-before reminder (the function, the CLI, the scheduler's job) — each once."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from clinicapp.core import signals
from clinicapp.core.models import utcnow
from clinicapp.extensions import db
from clinicapp.notifications.appointments import reminder_key, send_day_before_reminders
from clinicapp.scheduler.registry import registered_jobs
from tests.scheduling.conftest import ALMATY, MOSCOW, future_day

from .conftest import jobs


@pytest.fixture
def reachable(world):
    world.patient.email = "petr@example.test"
    world.patient.phone = "+79255070602"
    db.session.commit()
    return world.patient


def _book(client, world, headers, day, clock="10:00"):
    return client.post("/api/v1/appointments", headers=headers, json={
        "clinic_id": world.a.id, "doctor_id": world.doctor.id, "service_id": world.service.id,
        "date": day.isoformat(), "time": clock})


def test_booking_through_the_api_queues_a_confirmation(client, world, reachable, patient_api):
    day = future_day(2)
    response = _book(client, world, patient_api[1], day)
    assert response.status_code == 201, response.get_json()
    appointment_id = response.get_json()["id"]
    email, sms = jobs("email.send") + jobs("sms.send")
    assert email.key == sms.key == f"confirmation:{appointment_id}"
    assert email.payload["template"] == "appointment_confirmation"
    assert "10:00 (Москва, UTC+3)" in email.payload["text"]
    assert "10:00" in sms.payload["text"] and "Клиника на Тверской" in sms.payload["text"]


def test_a_resent_signal_does_not_repeat_the_confirmation(app, client, world, reachable,
                                                          patient_api):
    from clinicapp.scheduling.models import Appointment

    appointment_id = _book(client, world, patient_api[1], future_day(3)).get_json()["id"]
    appointment = db.session.get(Appointment, appointment_id)
    with app.test_request_context():
        signals.send(signals.appointment_booked, appointment=appointment, actor=None,
                     warnings=[])
    db.session.commit()
    assert len(jobs("email.send")) == 1 and len(jobs("sms.send")) == 1


def test_a_refused_booking_sends_nothing(client, world, reachable, patient_api):
    day = future_day(4)
    assert _book(client, world, patient_api[1], day).status_code == 201
    assert _book(client, world, patient_api[1], day).status_code == 409  # the slot is taken
    assert len(jobs("email.send")) == 1


def test_without_an_address_of_its_own_the_cabinet_login_gets_it(client, world, patient_api):
    assert _book(client, world, patient_api[1], future_day(2)).status_code == 201
    [email] = jobs()
    assert email.topic == "email.send" and email.payload["to"] == patient_api[0].email


def _at(day, clock, zone):
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=zone)


def test_reminders_go_to_tomorrows_appointments_once(app, world, reachable, add_appointment):
    now = datetime.combine(future_day(0), time(12), tzinfo=MOSCOW)  # noon in Moscow
    tomorrow = now.date() + timedelta(days=1)
    due = add_appointment(_at(tomorrow, "09:00", MOSCOW))
    confirmed = add_appointment(_at(tomorrow, "23:30", MOSCOW), status="confirmed")
    add_appointment(_at(tomorrow + timedelta(days=1), "00:00", MOSCOW))  # the day after
    add_appointment(_at(now.date(), "15:00", MOSCOW))  # today
    add_appointment(_at(tomorrow, "11:00", MOSCOW), status="cancelled")
    add_appointment(_at(tomorrow, "12:00", MOSCOW), patient=world.patient2)  # no address
    assert send_day_before_reminders(now=now) == 2
    db.session.commit()
    assert sorted(job.key for job in jobs("email.send")) == sorted(
        [reminder_key(due), reminder_key(confirmed)])
    assert len(jobs("sms.send")) == 2
    [first] = jobs("email.send", key=reminder_key(due))
    assert first.payload["subject"] == "ООО Тест: напоминаем о приёме завтра в 09:00"
    # The next hour: nothing new.
    assert send_day_before_reminders(now=now + timedelta(hours=1)) == 0
    db.session.commit()
    assert len(jobs()) == 4


def test_an_appointment_booked_less_than_a_day_ahead_has_its_confirmation_only(
        world, reachable, add_appointment):
    now = datetime.combine(future_day(0), time(12), tzinfo=MOSCOW)
    tomorrow = now.date() + timedelta(days=1)
    early = add_appointment(_at(tomorrow, "09:00", MOSCOW))
    late = add_appointment(_at(tomorrow, "10:00", MOSCOW))
    early.created_at = now - timedelta(days=3)
    late.created_at = now - timedelta(hours=1)  # booked an hour ago, 23 h ahead: just confirmed
    db.session.commit()
    assert send_day_before_reminders(now=now) == 1
    db.session.commit()
    assert [job.key for job in jobs("email.send")] == [reminder_key(early)]


def test_tomorrow_and_the_morning_are_each_branchs_own(world, reachable, add_appointment):
    # 08:30 in Moscow is 10:30 in Almaty (UTC+5): Almaty's reminders go, Moscow's wait.
    now = datetime.combine(future_day(0), time(10, 30), tzinfo=ALMATY)
    in_almaty = add_appointment(_at(now.date() + timedelta(days=1), "10:00", ALMATY),
                                clinic=world.b)
    day_after = add_appointment(_at(now.date() + timedelta(days=2), "10:00", ALMATY),
                                clinic=world.b, doctor=world.other_doctor)
    in_moscow = add_appointment(_at(now.date() + timedelta(days=1), "11:00", MOSCOW))
    assert send_day_before_reminders(now=now) == 1
    db.session.commit()
    assert [job.key for job in jobs("email.send")] == [reminder_key(in_almaty)]
    # At midnight nobody is woken up; at 10:00 Moscow its patients hear.
    after_midnight = datetime.combine(now.date() + timedelta(days=1), time(0, 30), tzinfo=MOSCOW)
    assert send_day_before_reminders(now=after_midnight) == 0
    assert send_day_before_reminders(now=datetime.combine(now.date(), time(10),
                                                          tzinfo=MOSCOW)) == 1
    db.session.commit()
    keys = {job.key for job in jobs("email.send")}
    assert reminder_key(in_moscow) in keys and reminder_key(day_after) not in keys


def test_a_moved_appointment_is_reminded_of_its_new_day(world, reachable, add_appointment):
    now = datetime.combine(future_day(0), time(12), tzinfo=MOSCOW)
    appointment = add_appointment(_at(now.date() + timedelta(days=1), "09:00", MOSCOW))
    assert send_day_before_reminders(now=now) == 1
    db.session.commit()
    appointment.starts_at += timedelta(days=1)  # moved to the day after
    appointment.ends_at += timedelta(days=1)
    db.session.commit()
    assert send_day_before_reminders(now=now + timedelta(days=1)) == 1
    db.session.commit()
    assert len(jobs("email.send")) == 2


def test_send_reminders_command_and_the_scheduler_job(app, world, reachable, add_appointment,
                                                     monkeypatch):
    monkeypatch.setitem(app.config, "REMINDER_HOUR", 0)  # whatever the hour the suite runs at
    tomorrow = utcnow().astimezone(MOSCOW).date() + timedelta(days=1)
    appointment = add_appointment(_at(tomorrow, "16:00", MOSCOW))
    appointment.created_at = utcnow() - timedelta(days=2)  # booked well ahead, at any hour
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "Напоминания поставлены в очередь: 1" in result.output
    again = app.test_cli_runner().invoke(args=["send-reminders"])
    assert "Напоминания поставлены в очередь: 0" in again.output
    with app.app_context():
        job = registered_jobs()["send-reminders"]
    assert job.every_minutes == 60 and job.run() is not None


def test_reminder_delivered_by_the_worker(world, reachable, add_appointment, dev_mail, deliver):
    now = datetime.combine(future_day(0), time(12), tzinfo=MOSCOW)
    add_appointment(_at(now.date() + timedelta(days=1), "09:30", MOSCOW))
    send_day_before_reminders(now=now)
    db.session.commit()
    deliver()
    assert {job.status for job in jobs()} == {"delivered"}
    assert len(list(dev_mail.glob("*.eml"))) == 1 and len(list(dev_mail.glob("*.sms.json"))) == 1
