"""A doctor's «Сегодня» in Debian's headless chromium, and the landing pages on a phone.

A doctor signs in (landing on the calendar), opens the desk and sees only their own
patient, with the steps; «Весь филиал» shows the other doctor's patient too, without
buttons, and the choice stays in the URL through the live refresh: an appointment booked
meanwhile for the other doctor appears, and back on «Мои пациенты» only the doctor's own
new one does. Then the home page and the day's summary at 390 px: no sideways scroll,
the cards and the tip stack.
"""
from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
import requests
from selenium.webdriver.common.by import By

from .conftest import screenshot
from .test_desk_live import (
    LENGTH,
    LIVE_TIMEOUT,
    Api,
    assert_not_reloaded,
    card_text,
    choose_branch,
    click_step,
    iso,
    new_patient,
    open_desk,
    wait_for_card,
)
from .test_login_browser import (
    assert_clean_console,
    sign_in_with_password,
    wait_for_path,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.live]

APPOINTMENTS = "/api/v1/calendar/appointments"


class Staff(Api):
    """A manager's API: two new doctors of the branch, one of them with an account."""

    def new_doctor(self, clinic_id: int, last_name: str) -> dict:
        tag = secrets.token_hex(3)
        response = self.post("/api/v1/staff/employees", {
            "last_name": last_name, "first_name": "Браузер", "is_doctor": True,
            "position": "Врач-терапевт", "branches": [clinic_id],
            "email": f"e2e-doctor-{tag}@clinic.test"})
        assert response.status_code == 201, response.text
        return response.json()

    def give_access(self, employee_id: int) -> tuple[str, str]:
        """(login, password) of a new doctor's account linked to the employee."""
        login, password = f"e2e-doc-{secrets.token_hex(3)}", "e2e-pass-" + secrets.token_hex(6)
        response = self.post(f"/api/v1/staff/employees/{employee_id}/grant_access",
                             {"role": "doctor", "password": password, "username": login})
        assert response.status_code == 201, response.text
        return login, password

    def book_later_today(self, clinic: dict, doctor_id: int, patient_id: int) -> dict:
        """The next free quarter hour of today for the doctor (the new doctors have no
        hours: the staff's audited override)."""
        zone = ZoneInfo(clinic["timezone"])
        earliest = datetime.now(UTC) + timedelta(minutes=2)
        today = earliest.astimezone(zone).date()
        start = (earliest + timedelta(minutes=1)).astimezone(zone).replace(second=0,
                                                                          microsecond=0)
        start += timedelta(minutes=-start.minute % 15)
        while start.date() == today:
            response = self.post(APPOINTMENTS, {
                "branch": clinic["id"], "employee": doctor_id, "patient": patient_id,
                "start_datetime": iso(start), "end_datetime": iso(start + LENGTH),
                "override_hours": True, "comment": "e2e: «Сегодня» врача"})
            if response.status_code == 201:
                return response.json()
            assert response.status_code == 409, response.text
            start += timedelta(minutes=15)
        pytest.skip(f"no free quarter hour left today in {clinic['name']}")


def show_param(driver) -> list[str]:
    return parse_qs(urlparse(driver.current_url).query).get("show", [])


def switch_to(driver, show: str) -> None:
    """Click «Мои пациенты» (mine) or «Весь филиал» (all); wait until the page says so in
    its address and its board listens to the branch again."""
    driver.find_element(By.ID, f"desk-show-{show}").click()
    wait_until(driver, lambda d: show_param(d) == [show], f"?show={show} in the address")
    wait_until(driver, lambda d: d.execute_script("return window.__deskSwaps") >= 1,
               "the board listening again", LIVE_TIMEOUT)
    driver.execute_script("window.__marker = 1")


def buttons(driver, appointment_id: int) -> list[str]:
    return driver.execute_script(
        "var card = document.getElementById('desk-appointment-' + arguments[0]);"
        "return card ? Array.from(card.querySelectorAll('button[name=status]'))"
        ".map(function (b) { return b.value; }) : null;", appointment_id)


def test_a_doctor_sees_their_own_patients_and_the_branch_on_request(browser, live_server,
                                                                    cli_user):
    base = live_server.url
    clinic = choose_branch(base)
    manager = cli_user("manager", branches=(clinic["id"],))
    staff = Staff(base, manager.email, manager.password)
    mine_doctor = staff.new_doctor(clinic["id"], "Своейкин")
    other_doctor = staff.new_doctor(clinic["id"], "Чужаков")
    login, password = staff.give_access(mine_doctor["id"])
    own_patient, other_patient = new_patient(staff, clinic["id"]), new_patient(staff, clinic["id"])
    own = staff.book_later_today(clinic, mine_doctor["id"], own_patient["id"])
    other = staff.book_later_today(clinic, other_doctor["id"], other_patient["id"])

    # Signed in, the doctor lands on the calendar; the desk shows their own patient only.
    open_desk(browser, base, SimpleNamespace(email=login, password=password), clinic["id"],
              landing="/calendar/")
    assert show_param(browser) == []  # «mine» is the default, said by the page itself
    wait_for_card(browser, own["id"], "expected", own_patient["full_name"], "the doctor's desk")
    assert card_text(browser, other["id"], "expected") is None
    assert "arrived" in buttons(browser, own["id"])
    toggle = browser.find_element(By.ID, "desk-show-mine")
    assert toggle.get_attribute("aria-current") == "page"
    screenshot(browser, "desk-doctor-mine")

    # «Весь филиал»: the other doctor's patient too, without buttons; kept in the URL.
    switch_to(browser, "all")
    wait_for_card(browser, other["id"], "expected", other_patient["full_name"], "all")
    assert buttons(browser, other["id"]) == []
    assert "arrived" in buttons(browser, own["id"])

    # The live refresh keeps the filter: the other doctor's new patient arrives by itself.
    later = staff.book_later_today(clinic, other_doctor["id"], own_patient["id"])
    wait_for_card(browser, later["id"], "expected", own_patient["full_name"], "all, live")
    assert_not_reloaded(browser, "the doctor's desk")
    screenshot(browser, "desk-doctor-all")

    # Back to «Мои пациенты»: a new patient of the doctor arrives live, the other's do not.
    switch_to(browser, "mine")
    own_later = staff.book_later_today(clinic, mine_doctor["id"], other_patient["id"])
    other_later = staff.book_later_today(clinic, other_doctor["id"], other_patient["id"])
    wait_for_card(browser, own_later["id"], "expected", other_patient["full_name"], "mine, live")
    for appointment in (other, later, other_later):
        assert card_text(browser, appointment["id"], "expected") is None

    # A step on the doctor's own patient keeps the filter too.
    click_step(browser, own["id"], "expected", "arrived")
    wait_for_card(browser, own["id"], "waiting", own_patient["full_name"], "after «Пришёл»")
    assert card_text(browser, other["id"], "expected") is None
    assert show_param(browser) == ["mine"]
    assert_not_reloaded(browser, "the doctor's desk")
    assert_clean_console(browser, "/desk/ of a doctor")


def demo_branch_ids(base: str) -> list[int]:
    response = requests.get(base + "/api/v1/clinics", params={"limit": 100}, timeout=10)
    assert response.status_code == 200, response.text
    return sorted(clinic["id"] for clinic in response.json())


def fits_the_screen(driver, page: str) -> None:
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page} scrolls sideways by {overflow}px on a phone"


def stacked(driver, selector: str) -> list[dict]:
    """The boxes of `selector` (left, right, top) in page pixels."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(function (e) {"
        "var r = e.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top};"
        "});", selector)


def assert_tip_reads_as_one_text(driver) -> None:
    """The tip's words and link wrap as one sentence, not as narrow side-by-side columns."""
    widths = driver.execute_script(
        "var tip = document.querySelector('.home-tip'); if (!tip) return null;"
        "return [tip.clientWidth, Array.from(tip.children).map(function (c) {"
        "return c.getBoundingClientRect().width; })];")
    assert widths is not None, "no 2FA tip on the page"
    tip, children = widths
    assert children and all(child >= 0.8 * (tip - 40) for child in children), widths


def test_home_and_summary_stack_on_a_phone(phone_browser, live_server, cli_user):
    base = live_server.url
    driver = phone_browser
    manager = cli_user("manager", branches=tuple(demo_branch_ids(base)[:2]))
    sign_in_with_password(driver, base, manager.email, manager.password)
    wait_for_path(driver, "/desk/summary")
    width = driver.execute_script("return window.innerWidth")  # the page's viewport
    assert width == 390
    fits_the_screen(driver, "/desk/summary")
    branches = stacked(driver, ".summary-branch")
    assert len(branches) == 2
    assert branches[0]["top"] < branches[1]["top"]  # one under the other
    for box in branches + stacked(driver, ".home-tip") + stacked(driver, ".summary-figures > div"):
        assert 0 <= box["left"] and box["right"] <= width, box
    assert_tip_reads_as_one_text(driver)
    screenshot(driver, "phone-summary")
    assert_clean_console(driver, "/desk/summary")

    patient = cli_user("patient")  # a patient's `/` is the cabinet's chat
    driver.delete_all_cookies()
    sign_in_with_password(driver, base, patient.email, patient.password)
    wait_for_path(driver, "/cabinet/chat")
    assert "Писать можно врачу" in driver.find_element(By.CSS_SELECTOR, "main").text
    fits_the_screen(driver, "/cabinet/chat")
    for box in stacked(driver, ".chat-side, .chat-main"):
        assert 0 <= box["left"] and box["right"] <= width, box
    screenshot(driver, "phone-cabinet-chat")
    assert_clean_console(driver, "/cabinet/chat")
