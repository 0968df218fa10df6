"""The channels deliver through `outbox-worker --once` to loopback stand-ins speaking the
real protocols: SMTP (aiosmtpd) and SMS.ru's HTTP API. A refusal says what to fix and
masks the address; a target that was down gets the message once it is back."""
from __future__ import annotations

import pytest

from clinicapp.extensions import db
from clinicapp.notifications import notify

from .conftest import jobs, make_due
from .stand_ins import SmsRuStandIn, SmtpStandIn

# aiosmtpd warns of AUTH without TLS on every connection: loopback, in a test.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH:UserWarning")


@pytest.fixture
def patient(world):
    world.patient.email = "petr@example.test"
    world.patient.phone = "+79255070602"
    db.session.commit()
    return world.patient


@pytest.fixture
def smtp(app, monkeypatch, tmp_path):
    stand_in = SmtpStandIn(login=("mailer", "p@ss word"))
    monkeypatch.setitem(app.config, "SMTP_URL",
                        f"smtp://mailer:p%40ss%20word@127.0.0.1:{stand_in.port}")
    monkeypatch.setitem(app.config, "MAIL_FROM", "Клиника <noreply@clinic.test>")
    monkeypatch.setitem(app.config, "SMS_PROVIDER", "")
    monkeypatch.setitem(app.config, "MAIL_DEV_DIR", str(tmp_path / "mail"))
    return stand_in


@pytest.fixture
def smsru(app, monkeypatch, tmp_path):
    stand_in = SmsRuStandIn()
    monkeypatch.setitem(app.config, "SMS_PROVIDER", "smsru")
    monkeypatch.setitem(app.config, "SMS_API_ID", stand_in.api_id)
    monkeypatch.setitem(app.config, "SMS_BASE_URL", stand_in.base_url)
    monkeypatch.setitem(app.config, "SMS_FROM", "Clinic")
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    monkeypatch.setitem(app.config, "MAIL_DEV_DIR", str(tmp_path / "mail"))
    return stand_in


def _chat(patient, key=None):
    notify(patient, "chat_message", context={"sender_name": "Докторов И. П."}, key=key)
    db.session.commit()


def test_email_goes_through_smtp_with_a_login_once(smtp, patient, deliver):
    _chat(patient)
    with smtp:
        assert "Доставлено: 2" in deliver()  # the SMS went to the dev folder
        assert "Доставлено: 0" in deliver()  # nothing twice
    [mail] = smtp.received
    assert smtp.logins == ["mailer"]
    assert mail.recipients == ["petr@example.test"] and mail.sender == "noreply@clinic.test"
    assert mail.message["Subject"] == "ООО Тест: новое сообщение от Докторов И. П."
    assert mail.message["Message-ID"].startswith("<") and "@clinic.test>" in mail.message[
        "Message-ID"]
    assert "Докторов И. П. написал(а) вам" in mail.text
    assert "<p" in mail.html and "Докторов И. П." in mail.html
    [job] = jobs("email.send")
    assert job.status == "delivered" and job.attempts == 0


def test_smtp_down_then_back_delivers_on_the_retry(smtp, patient, deliver):
    _chat(patient)
    deliver()  # nobody listens on the port yet
    [job] = jobs("email.send")
    assert (job.status, job.attempts) == ("queued", 1)
    assert job.last_error.startswith("DeliveryFailed: could not reach the SMTP server")
    make_due(job)
    with smtp:
        deliver()
    [job] = jobs("email.send")
    assert job.status == "delivered" and len(smtp.received) == 1


def test_a_refused_recipient_is_a_clear_refusal_without_the_address(smtp, patient, deliver):
    smtp.refuse.add("petr@example.test")
    _chat(patient)
    with smtp:
        deliver()
    [job] = jobs("email.send")
    assert job.status == "queued" and job.attempts == 1
    assert job.last_error.startswith(
        "DeliveryRefused: the SMTP server refused the recipient p***@example.test: 550")
    assert "petr@" not in job.last_error and smtp.received == []


def test_a_wrong_smtp_password_says_so(smtp, patient, deliver, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://mailer:wrong@127.0.0.1:{smtp.port}")
    _chat(patient)
    with smtp:
        deliver()
    [job] = jobs("email.send")
    assert job.last_error.startswith("DeliveryRefused: the SMTP server refused the login")


def test_smtp_without_mail_from_waits_for_the_setting(smtp, patient, deliver, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_FROM", "")
    _chat(patient)
    deliver()
    [job] = jobs("email.send")
    assert (job.status, job.attempts) == ("queued", 0)
    assert "MAIL_FROM unset" in job.last_error


def test_sms_goes_to_smsru_as_its_protocol_says(smsru, patient, deliver):
    _chat(patient)
    with smsru:
        deliver()
    [sent] = smsru.sent
    assert sent["api_id"] == "test-api-id" and sent["to"] == "79255070602"
    assert sent["json"] == "1" and sent["from"] == "Clinic"
    assert sent["msg"] == ("ООО Тест: новое сообщение от Докторов И. П. — прочитайте "
                           "его в приложении или личном кабинете.")
    [job] = jobs("sms.send")
    assert job.status == "delivered"


def test_smsru_refusing_the_number_is_a_clear_refusal(smsru, patient, deliver):
    smsru.refuse.add("79255070602")
    _chat(patient)
    with smsru:
        deliver()
    [job] = jobs("sms.send")
    assert job.status == "queued" and job.attempts == 1
    assert job.last_error.startswith("DeliveryRefused: SMS.ru refused the number +7******0602: "
                                     "207 На этот номер")
    assert "79255070602" not in job.last_error


def test_smsru_down_then_back_delivers_on_the_retry(smsru, patient, deliver):
    smsru.down = True
    _chat(patient)
    with smsru:
        deliver()
        [job] = jobs("sms.send")
        assert job.attempts == 1 and job.last_error == "DeliveryFailed: SMS.ru answered HTTP 503"
        smsru.down = False
        make_due(job)
        deliver()
    [job] = jobs("sms.send")
    assert job.status == "delivered" and len(smsru.sent) == 1


def test_smsru_unreachable_is_a_failure_to_retry(smsru, patient, deliver):
    _chat(patient)
    deliver()  # the stand-in is not started
    [job] = jobs("sms.send")
    assert job.attempts == 1 and job.last_error.startswith("DeliveryFailed: could not reach SMS.ru")


def test_a_wrong_api_id_is_a_refusal(smsru, patient, deliver, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_API_ID", "nope")
    _chat(patient)
    with smsru:
        deliver()
    [job] = jobs("sms.send")
    assert job.last_error == "DeliveryRefused: SMS.ru refused the request: 200 Неправильный api_id"


def test_smsru_without_api_id_waits_for_the_setting(smsru, patient, deliver, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_API_ID", "")
    _chat(patient)
    deliver()
    [job] = jobs("sms.send")
    assert (job.status, job.attempts) == ("queued", 0) and "SMS_API_ID unset" in job.last_error


def test_smtp_url_forms():
    from clinicapp.notifications.mail import parse_smtp_url

    plain = parse_smtp_url("smtp://user%40x:p%3Ass@mail.example.test:587?starttls=1")
    assert (plain.host, plain.port, plain.starttls, plain.implicit_tls) == (
        "mail.example.test", 587, True, False)
    assert (plain.username, plain.password) == ("user@x", "p:ss")
    implicit = parse_smtp_url("smtps://u:p@mail.example.test")
    assert (implicit.port, implicit.implicit_tls, implicit.starttls) == (465, True, False)
    assert parse_smtp_url("smtp://relay.local").port == 25
    with pytest.raises(ValueError):
        parse_smtp_url("http://mail.example.test")
