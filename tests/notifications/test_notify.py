"""notify(): channels from the recipient's addresses, the text in the recipient's language,
one job per channel in the caller's transaction, and a key that makes repeats no-ops."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinicapp.extensions import db
from clinicapp.notifications import notify
from clinicapp.notifications.appointments import appointment_context
from clinicapp.outbox.models import OutboxJob

from .conftest import jobs

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
def appointment(world, add_appointment):
    world.a.address = "ул. Тверская, 1"
    world.a.phone = "+74951234567"
    world.patient.email = "petr@example.test"
    world.patient.phone = "+79255070602"
    db.session.commit()
    # Thursday 14 May 2026, 14:05 in Moscow (11:05 UTC).
    return add_appointment(datetime(2026, 5, 14, 14, 5, tzinfo=MOSCOW), service=world.service)


def _send(appointment, key=None):
    notify(appointment.patient, "appointment_confirmation",
           context=appointment_context(appointment), key=key)
    db.session.commit()


def test_email_and_sms_each_get_a_job_with_the_rendered_text(appointment, world):
    _send(appointment)
    [email] = jobs("email.send")
    [sms] = jobs("sms.send")
    assert email.payload["to"] == "petr@example.test" and sms.payload["to"] == "+79255070602"
    assert email.payload["language"] == sms.payload["language"] == "ru"
    assert email.payload["subject"] == "ООО Тест: запись на приём 14 мая в 14:05"
    text = email.payload["text"]
    assert text.startswith("Здравствуйте, Пётр!\n\nВы записаны на приём в «ООО Тест».")
    assert "Когда: четверг, 14 мая 2026\u202fг., 14:05 (Москва, UTC+3)" in text
    assert "Врач: Докторов Иван Петрович" in text
    assert "Услуга: Приём терапевта первичный" in text
    assert "Где: Клиника на Тверской, ул. Тверская, 1" in text
    assert "Телефон филиала: +74951234567" in text
    assert "\n\n\n" not in text and "{" not in text
    assert "<p" in email.payload["html"] and "Пётр" in email.payload["html"]
    assert sms.payload["text"] == ("ООО Тест: вы записаны на 14 мая в 14:05, "
                                   "Клиника на Тверской.")


def test_an_english_patient_reads_english_and_a_russian_one_russian(appointment, world):
    world.patient2.email = "oleg@example.test"
    world.patient2.language = "en"
    db.session.commit()
    _send(appointment)
    notify(world.patient2, "appointment_confirmation", context=appointment_context(appointment))
    db.session.commit()
    russian, english = jobs("email.send")
    assert russian.payload["language"] == "ru" and english.payload["language"] == "en"
    assert english.payload["subject"] == "ООО Тест: appointment on May 14 at 14:05"
    assert english.payload["text"].startswith("Hello Олег,\n\nYou have an appointment at ООО Тест.")
    assert "When: Thursday, May 14, 2026, 14:05 (Moscow, UTC+3)" in english.payload["text"]
    assert "Doctor: Докторов Иван Петрович" in english.payload["text"]
    assert "Когда" not in english.payload["text"] and "When" not in russian.payload["text"]


def test_the_account_language_counts_when_the_patient_chose_none(appointment, world,
                                                                 make_user):
    account = make_user("patient")
    account.language = "en"
    world.patient.user_id = account.id
    world.patient.language = None
    db.session.commit()
    _send(appointment)
    assert {job.payload["language"] for job in jobs()} == {"en"}


def test_channels_follow_the_addresses(appointment, world, make_user):
    world.patient.email = None
    db.session.commit()
    _send(appointment)
    assert [job.topic for job in jobs()] == ["sms.send"]

    # Without addresses of its own the patient is written to at its cabinet account's.
    account = make_user("patient", email="cabinet@example.test")
    world.patient2.user_id = account.id
    db.session.commit()
    notify(world.patient2, "appointment_confirmation", context=appointment_context(appointment))
    db.session.commit()
    assert jobs("email.send")[0].payload["to"] == "cabinet@example.test"


def test_nobody_to_write_to_queues_nothing_and_logs_no_personal_data(appointment, world, caplog):
    caplog.set_level("INFO", logger="clinicapp.notifications")
    notify(world.patient2, "appointment_confirmation", context=appointment_context(appointment))
    db.session.commit()
    assert jobs() == []
    assert f"patient #{world.patient2.id} skipped" in caplog.text
    assert "Вторых" not in caplog.text


def test_a_key_makes_a_repeat_a_no_op(appointment):
    _send(appointment, key="hello:1")
    _send(appointment, key="hello:1")
    assert sorted(job.topic for job in jobs()) == ["email.send", "sms.send"]
    assert {job.key for job in jobs()} == {"hello:1"}


def test_jobs_belong_to_the_callers_transaction(appointment):
    notify(appointment.patient, "appointment_confirmation",
           context=appointment_context(appointment))
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(OutboxJob.id))) == 0


def test_a_staff_user_is_a_recipient_too(app, make_user):
    user = make_user("doctor", phone="+79255070603", full_name="Anna Smith")
    user.language = "en"
    notify(user, "chat_message", context={"sender_name": "Иванов И.", "unread": 3})
    db.session.commit()
    [email] = jobs("email.send")
    [sms] = jobs("sms.send")
    assert email.payload["subject"].endswith(": a new message from Иванов И.")
    assert email.payload["text"].startswith("Hello Anna Smith,")
    assert "Unread messages: 3." in email.payload["text"]
    assert sms.payload["to"] == "+79255070603"


def test_chat_and_consultation_templates_carry_no_message_text(world):
    world.patient.email = "petr@example.test"
    db.session.commit()
    notify(world.patient, "chat_message", context={"sender_name": "Докторов И. П."})
    notify(world.patient, "consultation_status_changed",
           context={"number": "000123", "status": "closed", "topic": "Анализы"})
    db.session.commit()
    chat, consultation = jobs("email.send")
    assert "Докторов И. П. написал(а) вам в чате «ООО Тест»." in chat.payload["text"]
    assert "в приложении или личном кабинете" in chat.payload["text"]
    assert consultation.payload["subject"] == (
        "ООО Тест: ваше обращение № 000123 — консультация завершена")
    assert "Тема: Анализы" in consultation.payload["text"]


def test_every_template_renders_in_every_language(app, world):
    from clinicapp.notifications.rendering import render

    contexts = {
        "appointment_confirmation": {"starts_at": datetime.now(MOSCOW) + timedelta(days=3),
                                     "timezone": "Asia/Almaty", "branch": "B", "address": "",
                                     "branch_phone": "", "doctor": "D", "service": ""},
        "consultation_status_changed": {"number": "7", "status": "weird"},
        "chat_message": {"sender_name": "S", "url": "https://x.test/chat"},
    }
    contexts["appointment_reminder"] = contexts["appointment_confirmation"]
    for name, context in contexts.items():
        for language in app.config["BABEL_SUPPORTED_LOCALES"]:
            message = render(name, language, {"name": "N", "clinic": "C", **context})
            assert message.subject and message.text.strip() and message.sms, (name, language)
            assert len(message.sms) <= 160, (name, language, message.sms)
            if language == "en":
                assert not any("а" <= ch <= "я" for ch in message.text.lower()), message.text
