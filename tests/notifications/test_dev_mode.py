"""Development mode: without SMTP_URL and SMS_PROVIDER the worker writes the messages
under MAIL_DEV_DIR, and /admin/mail lists and opens them (administrators only)."""
from __future__ import annotations

import json

from clinicapp.extensions import db
from clinicapp.notifications import notify

from .conftest import jobs


def _queue(world, **context):
    notify(world.patient, "chat_message", context={"sender_name": "Докторов И. П.", **context})
    db.session.commit()


def test_the_worker_writes_eml_and_sms_records(world, dev_mail, deliver):
    world.patient.email = "petr@example.test"
    world.patient.phone = "+79255070602"
    db.session.commit()
    _queue(world)
    deliver()
    assert {job.status for job in jobs()} == {"delivered"}
    [eml] = dev_mail.glob("*.eml")
    [sms] = dev_mail.glob("*.sms.json")
    raw = eml.read_bytes().decode("utf-8", "replace")
    assert "To: petr@example.test" in raw and "text/html" in raw
    record = json.loads(sms.read_text("utf-8"))
    assert record["to"] == "+79255070602" and record["text"].startswith("ООО Тест: новое")
    # A retried job rewrites its own file: requeueing the delivered jobs adds no copies.
    for job in jobs():
        job.status = "queued"
    db.session.commit()
    deliver()
    assert len(list(dev_mail.iterdir())) == 2


def test_admin_mail_lists_newest_first_and_opens_one(client, web_as, world, dev_mail, deliver):
    world.patient.email = "petr@example.test"
    db.session.commit()
    _queue(world)
    deliver()
    world.patient.email = None
    world.patient.phone = "+79255070602"
    db.session.commit()
    notify(world.patient, "consultation_status_changed",
           context={"number": "A-17", "status": "pending"})
    db.session.commit()
    deliver()
    web_as("admin")
    page = client.get("/admin/mail/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index("+79255070602") < html.index("petr@example.test")  # newest first
    assert "ООО Тест: новое сообщение от Докторов И. П." in html
    assert "Режим разработки" in html
    [name] = [p.name for p in dev_mail.glob("*.eml")]
    opened = client.get(f"/admin/mail/{name}")
    assert opened.status_code == 200
    assert "Докторов И. П. написал(а) вам в чате «ООО Тест»." in opened.get_data(as_text=True)
    assert client.get("/admin/mail/../secrets").status_code == 404
    assert client.get("/admin/mail/20260101T000000-" + "0" * 32 + ".eml").status_code == 404


def test_admin_mail_escapes_what_it_shows(client, web_as, world, dev_mail, deliver):
    world.patient.email = "petr@example.test"
    db.session.commit()
    notify(world.patient, "chat_message", context={"sender_name": "<script>x</script>"})
    db.session.commit()
    deliver()
    web_as("admin")
    html = client.get("/admin/mail/").get_data(as_text=True)
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html
    [name] = [p.name for p in dev_mail.glob("*.eml")]
    assert "<script>x</script>" not in client.get(f"/admin/mail/{name}").get_data(as_text=True)


def test_admin_mail_is_for_administrators_only(client, web_as, world, dev_mail):
    web_as("manager", branches=[world.a])
    assert client.get("/admin/mail/").status_code == 403
    assert client.get("/admin/mail/x.eml").status_code == 403


def test_admin_mail_needs_a_sign_in(client, dev_mail):
    response = client.get("/admin/mail/")
    assert response.status_code in (302, 401) and "/login" in response.headers.get("Location", "/login")


def test_admin_mail_is_a_tab_of_the_admin_area_and_empty_at_first(client, web_as, dev_mail):
    web_as("admin")
    html = client.get("/admin/mail/").get_data(as_text=True)
    assert "Сообщений пока нет" in html
    assert 'href="/admin/outbox' in html and 'href="/admin/mail/"' in html
    assert 'href="/admin/mail/"' in client.get("/admin/users").get_data(as_text=True)
