"""A walk-in and «Подтвердить на завтра» in Debian's headless chromium, on a live server
of their own: one branch whose clock reads about noon whenever the test runs (an Etc/GMT
zone) and a doctor working round the clock, so "now" is always in working hours.

The receptionist opens «Новая запись», picks the patient at the desk, presses «Сейчас»:
the time becomes the grid cell of now, the booking is saved and listed by the API. On a
phone (390 px) «Подтвердить на завтра» shows the rows as cards without sideways
scrolling, and one tap confirms a row in place.
"""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.common.by import By

from clinicapp import embedded_db
from tests.conftest import ROOT, _migrated_database, serve
from tests.e2e.conftest import DESKTOP, PHONE, _window, console_errors, screenshot
from tests.e2e.test_desk_live import Api
from tests.e2e.test_login_browser import (
    open_page,
    sign_in_with_password,
    wait_for_landing,
    wait_until,
)
from tests.scheduling.test_walk_in import cell, noon_zone

pytestmark = [pytest.mark.browser, pytest.mark.live]

EMAIL, PASSWORD = "walkin-desk@clinic.test", "walk-in-pass-2026"
PATIENT = ("Стойкина", "Анна", "Сергеевна")
TIMEOUT = 10


def populate() -> None:
    """The branch, its doctor, service and patients, two unconfirmed appointments tomorrow,
    and the receptionist (run in a subprocess against the scratch database)."""
    from decimal import Decimal

    from clinicapp import create_app
    from clinicapp.auth.services import create_user
    from clinicapp.catalog.models import Service
    from clinicapp.extensions import db
    from clinicapp.org.models import Clinic, Organization
    from clinicapp.patients.models import Patient
    from clinicapp.scheduling.models import Appointment, WorkingInterval
    from clinicapp.staff.models import Employee

    app = create_app()
    with app.app_context():
        organization = Organization(name="ООО Полдень")
        clinic = Clinic(organization=organization, name="Клиника в полдень",
                        timezone=noon_zone())
        db.session.add(clinic)
        db.session.flush()
        doctor = Employee(organization_id=organization.id, last_name="Круглосуточный",
                          first_name="Иван", is_doctor=True, position="Терапевт",
                          specializations=["терапевт"])
        doctor.branches = [clinic]
        service = Service(code="WALK.1", name="Осмотр", price=Decimal("1000"),
                          duration_minutes=30)
        service.clinics, service.doctors = [clinic], [doctor]
        db.session.add_all([clinic, doctor, service])
        db.session.flush()
        db.session.add_all(WorkingInterval(employee_id=doctor.id, clinic_id=clinic.id,
                                           weekday=weekday, starts_at=time(0),
                                           ends_at=time(23, 55)) for weekday in range(7))
        at_desk = Patient(organization_id=organization.id, last_name=PATIENT[0],
                          first_name=PATIENT[1], middle_name=PATIENT[2], extra_phones=[])
        callers = [Patient(organization_id=organization.id, last_name=name,
                           first_name="Олег", phone=phone, extra_phones=[])
                   for name, phone in (("Звонков", "+79161234567"),
                                       ("Телефонова-Длиннофамильная", "+79169876543"))]
        db.session.add_all([at_desk, *callers])
        db.session.flush()
        zone = ZoneInfo(clinic.timezone)
        tomorrow = datetime.now(UTC).astimezone(zone).date() + timedelta(days=1)
        for hour, patient in zip((9, 10), callers, strict=True):
            start = datetime.combine(tomorrow, time(hour), zone).astimezone(UTC)
            db.session.add(Appointment(
                clinic_id=clinic.id, employee_id=doctor.id, patient_id=patient.id,
                service_id=service.id, starts_at=start, ends_at=start + timedelta(minutes=30),
                status="booked"))
        create_user(None, email=EMAIL, password=PASSWORD, role="receptionist",
                    full_name="Стойкова Регина", branch_ids=[clinic.id])
        db.session.commit()


@pytest.fixture(scope="module")
def noon_server(database_server):
    name = f"clinicapp_walkin_{os.getpid()}"
    url = _migrated_database(database_server, name)
    subprocess.run([sys.executable, "-c", "from tests.scheduling.test_walk_in_browser "
                    "import populate; populate()"], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "DATABASE_URL": url})
    server = serve(url)
    try:
        yield server
    finally:
        server.stop()
        embedded_db.drop_database(database_server, name)


@pytest.fixture
def desk_browser(noon_server):
    yield from _window(DESKTOP)


@pytest.fixture
def phone(noon_server):
    yield from _window(PHONE, mobile=True)


def sign_in(driver, server) -> None:
    sign_in_with_password(driver, server.url, EMAIL, PASSWORD)
    wait_for_landing(driver)


def value(driver, element_id: str) -> str:
    return driver.execute_script(
        "var el = document.getElementById(arguments[0]); return el ? el.value : null;",
        element_id)


def test_a_walk_in_booked_now(desk_browser, noon_server):
    driver = desk_browser
    api = Api(noon_server.url, EMAIL, PASSWORD)
    [clinic] = api.get("/api/v1/auth/me").json()["branches"]
    zone = ZoneInfo(api.get(f"/api/v1/clinics/{clinic['id']}").json()["timezone"])
    sign_in(driver, noon_server)
    open_page(driver, noon_server.url, "/calendar/")
    driver.find_element(By.ID, "cal-new").click()
    wait_until(driver, lambda d: d.execute_script(
        "return document.getElementById('cal-dialog').open") and d.find_elements(
        By.ID, "cal-now"), "the booking dialog with «Сейчас»", TIMEOUT)
    assert "прошедшее время" in driver.find_element(By.ID, "cal-past-help").text

    driver.find_element(By.ID, "patient_query").send_keys(PATIENT[0][:5])
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".cal-pick"),
               "the patient found", TIMEOUT)
    driver.find_element(By.CSS_SELECTOR, ".cal-pick").click()
    before = cell(datetime.now(UTC).astimezone(zone), 15).strftime("%H:%M")
    driver.find_element(By.ID, "cal-now").click()
    wait_until(driver, lambda d: value(d, "cal-walk-in") == "1", "«Сейчас» answered", TIMEOUT)
    after = cell(datetime.now(UTC).astimezone(zone), 15).strftime("%H:%M")
    offered = value(driver, "time")
    assert offered in {before, after}, offered
    assert "врач свободен" in driver.find_element(By.ID, "cal-when").text
    screenshot(driver, "walk-in-1-now")

    driver.find_element(By.CSS_SELECTOR, ".cal-form button[type=submit]").click()
    wait_until(driver, lambda d: not d.execute_script(
        "return document.getElementById('cal-dialog').open"), "the dialog closed", TIMEOUT)
    toast = driver.find_element(By.ID, "cal-toast").text
    assert "Записан" in toast and PATIENT[0] in toast, toast
    today = datetime.now(UTC).astimezone(zone).date().isoformat()
    listed = api.get("/api/v1/calendar/appointments", branch=clinic["id"], date_from=today,
                     date_to=today).json()
    ours = [a for a in listed if a["patient_name"].startswith(PATIENT[0])]
    assert len(ours) == 1 and ours[0]["time"] == offered and ours[0]["status"] == "booked"
    screenshot(driver, "walk-in-2-booked")
    errors = console_errors(driver)
    assert not errors, "\n".join(entry["message"] for entry in errors)


def test_confirm_tomorrow_on_a_phone(phone, noon_server):
    driver = phone
    sign_in(driver, noon_server)
    open_page(driver, noon_server.url, "/calendar/confirm")
    rows = driver.find_elements(By.CSS_SELECTOR, ".confirm-row")
    assert len(rows) == 2 and "Не подтвердили: 2" in driver.find_element(
        By.ID, "confirm-count").text
    assert rows[0].find_element(By.CSS_SELECTOR, "a.confirm-phone").get_attribute(
        "href") == "tel:+79161234567"
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 390 px"
    widths = driver.execute_script(
        "return Array.from(document.querySelectorAll('.confirm-row'))"
        ".map(function (row) { return row.getBoundingClientRect().right; })")
    assert all(right <= PHONE[0] for right in widths), widths  # cards within the screen
    screenshot(driver, "confirm-tomorrow-phone")

    first_id = rows[0].get_attribute("id")
    rows[0].find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(driver, lambda d: "confirm-confirmed" in (d.find_element(
        By.ID, first_id).get_attribute("class") or ""), "the row confirmed in place", TIMEOUT)
    assert "Не подтвердили: 1" in driver.find_element(By.ID, "confirm-count").text
    assert driver.current_url.endswith("/calendar/confirm")  # no reload, no redirect
    screenshot(driver, "confirm-tomorrow-phone-confirmed")
    errors = console_errors(driver)
    assert not errors, "\n".join(entry["message"] for entry in errors)
