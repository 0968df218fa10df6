"""The second language: which language a request gets, the catalogues, and every page
rendered in English without a Russian word outside the data."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from werkzeug.routing import Rule

from clinicapp.audit.models import AuditEntry
from clinicapp.catalog.models import Service, ServiceCategory
from clinicapp.core.models import utcnow
from clinicapp.extensions import db
from clinicapp.i18n import catalogues
from clinicapp.org.models import Clinic, Organization
from clinicapp.patients.models import Patient
from clinicapp.scheduling.models import Appointment, WorkingInterval
from clinicapp.staff.models import Employee
from tests.conftest import ROOT, csrf_token

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
# Not pages: files, sockets, redirects to the API docs.
NOT_PAGES = {"static", "main.uploads", "main.docs", "favicon", "catalog.export_xlsx"}


# Text marked as another language (the language switch names each language in itself).
OTHER_LANGUAGE = re.compile(r'(<(\w+)[^>]*\blang="(?!en\b)[a-z-]+"[^>]*>).*?(</\2>)', re.S)


def _cyrillic_lines(text: str) -> list[str]:
    text = OTHER_LANGUAGE.sub(r"\1\3", text)
    return [line.strip()[:160] for line in text.splitlines() if CYRILLIC.search(line)]


# --- the catalogues ---------------------------------------------------------------------

def test_every_message_is_translated_in_every_catalogue():
    gaps = catalogues.gaps()
    assert not gaps, (
        f"{len(gaps)} gap(s); run `python -m clinicapp.i18n.catalogues update` and translate:\n"
        + "\n".join(map(str, gaps[:40])))


def test_english_and_russian_catalogues_exist():
    assert {"en", "ru"} <= set(catalogues.languages())


# A JavaScript string literal ('…', "…" or `…`); comments may stay Russian.
JS_STRING = re.compile(r"""(['"`])(?:\\.|(?!\1).)*\1""")


def test_page_javascript_has_no_text_of_its_own():
    # Page scripts read their words from the page (a JSON block rendered through gettext).
    offenders = {}
    for path in (ROOT / "static" / "js").glob("*.js"):
        literals = [m.group(0) for m in JS_STRING.finditer(path.read_text(encoding="utf-8"))]
        if russian := [text[:80] for text in literals if CYRILLIC.search(text)]:
            offenders[path.name] = russian
    assert not offenders


# --- which language a request gets -------------------------------------------------------

def test_the_browser_decides_before_anyone_chooses(client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in page.get_data(as_text=True)
    page = client.get("/login", headers={"Accept-Language": "de-DE,ru;q=0.5"})
    assert '<html lang="ru">' in page.get_data(as_text=True)
    page = client.get("/login", headers={"Accept-Language": "de-DE"})
    assert '<html lang="ru">' in page.get_data(as_text=True), "unknown → the default"


def test_the_switch_before_sign_in_is_kept_in_the_session(client):
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/locale", data={"csrf_token": csrf_token(page), "language": "en",
                                            "next": "/login"})
    assert response.status_code == 302 and response.location == "/login"
    page = client.get("/login", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_the_switch_refuses_unknown_languages_and_foreign_redirects(client):
    page = client.get("/login").get_data(as_text=True)
    assert client.post("/locale", data={"csrf_token": csrf_token(page),
                                        "language": "xx"}).status_code == 400
    response = client.post("/locale", data={"csrf_token": csrf_token(page), "language": "en",
                                            "next": "https://evil.example/"})
    assert response.location == "/"


def test_a_signed_in_choice_is_remembered_on_the_profile_and_audited(client, web_as):
    user = web_as("receptionist")
    page = client.get("/profile/").get_data(as_text=True)
    client.post("/locale", data={"csrf_token": csrf_token(page), "language": "en",
                                 "next": "/profile/"})
    db.session.refresh(user)
    assert user.language == "en"
    entry = db.session.scalars(db.select(AuditEntry).filter_by(
        action="auth.language_changed", target_id=str(user.id))).one()
    assert entry.changes == {"language": [None, "en"]}


def test_the_profile_language_wins_over_the_browser(client, web_as):
    user = web_as("manager")
    user.language = "en"
    db.session.commit()
    page = client.get("/profile/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_the_api_answers_in_the_documents_language_whatever_the_device_says(client):
    response = client.post("/api/v1/auth/login", json={"email": "nobody@test.clinic",
                                                       "password": "wrong-password-1"},
                           headers={"Accept-Language": "en"})
    assert response.status_code in (400, 401)
    assert CYRILLIC.search(response.get_json()["detail"]), response.get_json()


# --- every page in English ---------------------------------------------------------------

@dataclass
class LatinWorld:
    """A clinic whose data is all Latin letters: any Cyrillic on a page is ours."""
    organization: Organization
    clinic: Clinic
    doctor: Employee
    service: Service
    patient: Patient
    appointment: Appointment


@pytest.fixture
def latin_world(app) -> LatinWorld:
    organization = Organization(name="Northwind Health LLC", timezone="Europe/Moscow",
                                email="office@northwind.example")
    clinic = Clinic(organization=organization, name="Northwind Central",
                    address="1 High Street", timezone="Europe/Moscow")
    db.session.add_all([organization, clinic])
    db.session.flush()
    doctor = Employee(organization_id=organization.id, last_name="Smith", first_name="John",
                      position="Physician", specializations=["therapist"], is_doctor=True,
                      color="#2E7D32")
    doctor.branches = [clinic]
    category = ServiceCategory(name="Consultations")
    service = Service(code="C-001", name="First consultation", price=Decimal("1500.00"),
                      duration_minutes=30, category=category)
    service.clinics = [clinic]
    service.doctors = [doctor]
    patient = Patient(organization_id=organization.id, clinic_id=clinic.id, last_name="Brown",
                      first_name="Alice", phone="+447700900123", extra_phones=[])
    db.session.add_all([doctor, category, service, patient])
    db.session.flush()
    for weekday in range(7):
        db.session.add(WorkingInterval(employee_id=doctor.id, clinic_id=clinic.id,
                                       weekday=weekday, starts_at=time(0, 0),
                                       ends_at=time(23, 45)))
    start = utcnow().replace(second=0, microsecond=0) + timedelta(hours=1)
    appointment = Appointment(clinic_id=clinic.id, employee_id=doctor.id,
                              patient_id=patient.id, service_id=service.id,
                              starts_at=start, ends_at=start + timedelta(minutes=30))
    db.session.add(appointment)
    db.session.commit()
    return LatinWorld(organization, clinic, doctor, service, patient, appointment)


def _value_of(argument: str, world: LatinWorld, user) -> int | str:
    values = {
        "appointment_id": world.appointment.id, "patient_id": world.patient.id,
        "doctor_id": world.doctor.id, "employee_id": world.doctor.id,
        "service_id": world.service.id, "clinic_id": world.clinic.id,
        "branch_id": world.clinic.id, "user_id": user.id,
    }
    if argument in ("invoice_id", "payment_id"):
        # Billing's pages: the appointment's invoice, issued and partly paid in cash (made
        # once per world), so the desk, the invoice, the receipt and the refund all show.
        if not hasattr(world, "payment"):
            from clinicapp.billing.invoices import create_invoice
            from clinicapp.billing.payments import record_payment

            invoice = create_invoice(None, world.appointment, issue=True)
            world.payment = record_payment(None, invoice, method="cash",
                                           amount=Decimal("1000.00"),
                                           tendered=Decimal("1200.00"))
            db.session.commit()
        values.update(invoice_id=world.payment.invoice_id, payment_id=world.payment.id)
    if argument == "order_id":
        # The sandbox's card page: an order registered with it (made once per world).
        if not hasattr(world, "order"):
            from clinicapp.billing.providers.sandbox import SandboxOrder

            world.order = SandboxOrder(
                order_number=f"INV-TEST-{user.id}", amount=Decimal("1500.00"), currency="RUB",
                description="Payment of invoice INV-TEST", return_url="http://localhost/",
                fail_url="http://localhost/", callback_url="http://localhost/callback")
            db.session.add(world.order)
            db.session.commit()
        values["order_id"] = world.order.id
    if argument == "cons_id":
        # A consultation ticket of the Latin patient (made once per world).
        if not hasattr(world, "ticket"):
            from clinicapp.consultations.clients import Caller, upsert_client
            from clinicapp.consultations.tickets import create_ticket

            caller = Caller(user=user)
            client = upsert_client(caller, {"email": "alice@example.test"})
            world.ticket = create_ticket(caller, client, {"comment": "Need my results",
                                                          "topic": "Results"}, "SITE")
            db.session.commit()
        values["cons_id"] = str(world.ticket.cons_id)
    if argument == "conversation_id":
        # The chat: the patient's conversation with the branch's desk, one Latin message.
        if not hasattr(world, "conversation"):
            from clinicapp.chat.models import Conversation, Message

            world.conversation = Conversation(patient_id=world.patient.id, kind="desk",
                                              clinic_id=world.clinic.id)
            db.session.add(world.conversation)
            db.session.flush()
            db.session.add(Message(conversation_id=world.conversation.id, sender_id=user.id,
                                   recipient_id=user.id, from_patient=False, content="Hello"))
            db.session.commit()
        values["conversation_id"] = world.conversation.id
    if argument == "name":
        # /admin/mail/<name>: a development-mode SMS to the Latin patient, in English.
        if not hasattr(world, "mail_name"):
            from clinicapp.notifications import devlog

            world.mail_name = devlog.write_sms({
                "to": world.patient.phone, "text": "Reminder: your appointment is tomorrow",
                "queued_at": utcnow().isoformat(), "message_id": "0" * 32,
                "template": "appointment_reminder", "language": "en"}, "Clinic").name
        values["name"] = world.mail_name
    assert argument in values, (
        f"a page takes <{argument}>: give it a value in tests/platform/test_i18n.py so the "
        "page is checked in English")
    return values[argument]


def _pages(app, world: LatinWorld, user) -> list[str]:
    urls = []
    rule: Rule
    for rule in app.url_map.iter_rules():
        if ("GET" not in rule.methods or rule.endpoint in NOT_PAGES
                or rule.rule.startswith(("/api/", "/ws/", "/static/"))):
            continue
        arguments = {name: _value_of(name, world, user) for name in rule.arguments}
        with app.test_request_context():
            from flask import url_for
            urls.append(url_for(rule.endpoint, **arguments))
    return sorted(urls)


ROLES = ("admin", "manager", "receptionist", "doctor", "cashier")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_reads_in_english(app, client, web_as, latin_world, role, tmp_path,
                                     monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_DEV_DIR", str(tmp_path / "mail"))
    user = web_as(role, branches=[latin_world.clinic], full_name="Taylor Reed")
    user.language = "en"
    if role == "doctor":
        latin_world.doctor.user_id = user.id
    db.session.commit()
    russian: dict[str, list[str]] = {}
    checked = 0
    for url in _pages(app, latin_world, user):
        response = client.get(url)
        if not response.mimetype == "text/html" or 300 <= response.status_code < 400:
            continue
        checked += 1
        lines = _cyrillic_lines(response.get_data(as_text=True))
        if lines:
            russian[f"{url} ({response.status_code})"] = lines[:6]
    assert checked > 10
    assert not russian, "Russian text on English pages:\n" + "\n".join(
        f"{url}:\n    " + "\n    ".join(lines) for url, lines in russian.items())


def test_the_sign_in_pages_read_in_english(client):
    headers = {"Accept-Language": "en"}
    page = client.get("/login", headers=headers).get_data(as_text=True)
    assert not _cyrillic_lines(page)
    refused = client.post("/login", headers=headers, data={
        "csrf_token": csrf_token(page), "login": "nobody@test.clinic",
        "password": "wrong-password-1"})
    assert not _cyrillic_lines(refused.get_data(as_text=True))


def test_a_day_later_the_dates_are_english_too(client, web_as, latin_world):
    user = web_as("receptionist", branches=[latin_world.clinic], full_name="Taylor Reed")
    user.language = "en"
    db.session.commit()
    day = (datetime.now() + timedelta(days=1)).date().isoformat()
    for url in (f"/calendar/?branch={latin_world.clinic.id}&date={day}",
                f"/calendar/?branch={latin_world.clinic.id}&date={day}&view=week"):
        assert not _cyrillic_lines(client.get(url).get_data(as_text=True)), url


def test_catalogue_paths_are_inside_the_package():
    # The app reads clinicapp/translations (Flask-Babel's default beside the app's root).
    for language in ("ru", "en"):
        assert catalogues.catalogue_path(language, "mo").is_file()
        assert Path(catalogues.catalogue_path(language)).is_relative_to(ROOT / "clinicapp")


def test_dates_on_pages_are_written_the_readers_way(client, web_as, latin_world):
    from babel.dates import format_date

    from clinicapp.org.clock import branch_today

    user = web_as("receptionist", branches=[latin_world.clinic], full_name="Taylor Reed")
    tomorrow = branch_today(latin_world.clinic) + timedelta(days=1)
    url = f"/calendar/confirm?branch={latin_world.clinic.id}"
    assert tomorrow.strftime("%d.%m.%Y") in client.get(url).get_data(as_text=True)
    user.language = "en"
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert format_date(tomorrow, "medium", locale="en") in page
    assert tomorrow.strftime("%d.%m.%Y") not in page
