"""A message still unread CHAT_OFFLINE_NOTIFY_SECONDS after it was sent notifies its
recipient through the outbox (e-mail, SMS), without the message's text; a read one, or
an earlier one of a burst, does not."""
import pytest

from clinicapp.extensions import db
from clinicapp.outbox.models import OutboxJob

from .conftest import send


@pytest.fixture
def due_now(app, monkeypatch, tmp_path):
    """Checks due at once, development-mode delivery into a folder of this test."""
    monkeypatch.setitem(app.config, "CHAT_OFFLINE_NOTIFY_SECONDS", 0)
    monkeypatch.setitem(app.config, "MAIL_DEV_DIR", str(tmp_path / "mail"))
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    monkeypatch.setitem(app.config, "SMS_PROVIDER", "")


def _deliver(app) -> str:
    result = app.test_cli_runner().invoke(args=["outbox-worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def _jobs(topic: str) -> list[OutboxJob]:
    return list(db.session.scalars(db.select(OutboxJob).where(OutboxJob.topic == topic)
                                   .order_by(OutboxJob.id)))


def test_sending_queues_a_check_for_later(app, sio, world):
    ack = send(sio("patient"), type="message", content="Секрет", recipient_id=world.id("doctor"))
    [job] = _jobs("chat.unread_check")
    assert job.payload == {"message_id": ack["message"]["id"]}
    assert job.not_before is not None and job.not_before > job.created_at


def test_unread_message_notifies_the_recipient_without_its_text(app, sio, world, due_now):
    send(sio("doctor"), type="message", content="Результаты анализов готовы: всё хорошо",
         recipient_id=world.id("patient"))
    _deliver(app)
    [email] = _jobs("email.send")
    assert email.payload["to"] == world.emails["patient"]
    assert email.payload["template"] == "chat_message"
    assert "Лечащий Иван" in email.payload["subject"]
    assert "анализов" not in email.payload["text"]


def test_read_message_notifies_nobody(app, sio, world, due_now):
    doctor = sio("doctor")
    ack = send(sio("patient"), type="message", content="Вопрос", recipient_id=world.id("doctor"))
    send(doctor, type="read", conversation_id=ack["message"]["conversation_id"])
    _deliver(app)
    assert _jobs("email.send") == []


def test_a_burst_notifies_once(app, sio, world, due_now):
    patient = sio("patient")
    for text in ("Раз", "Два", "Три"):
        send(patient, type="message", content=text, recipient_id=world.id("doctor"))
    _deliver(app)
    [email] = _jobs("email.send")
    assert email.payload["to"] == world.emails["doctor"]


def test_english_patient_hears_of_the_desk_in_english(app, sio, world, due_now):
    import re

    from clinicapp.org.models import Organization
    from clinicapp.patients.models import Patient

    db.session.get(Patient, world.patient_ids["patient"]).language = "en"
    db.session.commit()
    send(sio("reception"), type="message", content="Ждём вас завтра",
         recipient_id=world.id("patient"))
    _deliver(app)
    [email] = _jobs("email.send")
    assert email.payload["to"] == world.emails["patient"]
    assert "Front desk · Чатовая на Арбате" in email.payload["subject"]
    data = {"Чатовая на Арбате"} | {o.name for o in db.session.scalars(db.select(Organization))}
    for part in ("subject", "text"):
        words = email.payload[part]
        for name in data:  # the branch's and the clinic's names are data, not language
            words = words.replace(name, "")
        assert not re.search("[А-Яа-яЁё]", words), (part, email.payload[part])
