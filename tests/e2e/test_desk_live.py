"""The front desk's «Сегодня» page (/desk/) updates itself, without a reload.

Two receptionists' windows watch one branch. An appointment booked through the JSON
API shows up in «Ожидаются» in both; «Пришёл» clicked in one window moves the card
to «Ждут приёма» in the other. Neither page navigates (a JS marker survives), and
the browser console stays clean (no CSP violations, no JavaScript errors).
"""
from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .conftest import screenshot
from .test_login_browser import (
    assert_clean_console,
    sign_in_with_password,
    wait_for_path,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.live]

APPOINTMENTS = "/api/v1/calendar/appointments"
LENGTH = timedelta(minutes=15)  # of the appointment booked
LEAD = timedelta(minutes=2)  # it starts at least this far ahead ("later today")
ENOUGH_OF_THE_DAY = timedelta(minutes=30)  # a branch needs this much of its day left
LIVE_TIMEOUT = 10  # seconds for a change to reach a window (the page polls only each minute)

# Injected before any page script: counts how often #desk-board is replaced inside #desk.
# desk.js re-fetches the board right after the branch's Socket.IO room acknowledges the
# join (a catch-up), so the first replacement tells the test the window is listening.
SWAP_COUNTER = """
window.__deskSwaps = 0;
document.addEventListener('DOMContentLoaded', function () {
  var desk = document.getElementById('desk');
  if (!desk) return;
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) {
        if (node.id === 'desk-board') window.__deskSwaps += 1;
      });
    });
  }).observe(desk, {childList: true});
});
"""


# --- the branch, the patient and the appointment, through the JSON API ---------------

def choose_branch(base: str) -> dict:
    """The first demo branch (by id) with ENOUGH_OF_THE_DAY left on its wall clock.

    The demo branches are in Moscow (UTC+3) and Almaty (UTC+5): when one is about to
    reach midnight the other has two hours left, so this skips only with other data.
    """
    response = requests.get(base + "/api/v1/clinics", params={"limit": 100}, timeout=10)
    assert response.status_code == 200, response.text
    clinics = sorted(response.json(), key=lambda clinic: clinic["id"])
    assert clinics, "the demo data has no clinics"
    now = datetime.now(UTC)
    for clinic in clinics:
        local = now.astimezone(ZoneInfo(clinic["timezone"]))
        midnight = datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)
        if midnight - local >= ENOUGH_OF_THE_DAY:
            return clinic
    pytest.skip(f"every branch is within {ENOUGH_OF_THE_DAY} of its midnight: "
                "no room to book later today")


class Api:
    """requests against the live server with a receptionist's bearer token."""

    def __init__(self, base: str, email: str, password: str):
        self.base = base
        self.session = requests.Session()
        response = self.session.post(base + "/api/v1/auth/login",
                                     json={"username": email, "password": password}, timeout=30)
        assert response.status_code == 200, response.text
        self.session.headers["Authorization"] = "Bearer " + response.json()["access"]

    def get(self, path: str, **params) -> requests.Response:
        return self.session.get(self.base + path, params=params, timeout=10)

    def post(self, path: str, body: dict) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=10)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_patient(api: Api, branch_id: int) -> dict:
    """A patient with a name nobody else has, so the card is unmistakable."""
    tag = "".join(secrets.choice("бвгдклмнпрстфхцчшщ") + secrets.choice("аеиоуя")
                  for _ in range(3))
    response = api.post("/api/v1/patients/patients", {
        "last_name": "Живой", "first_name": tag.capitalize(), "middle_name": "Тестович",
        "clinic_id": branch_id})
    assert response.status_code == 201, response.text
    return response.json()


def book_later_today(api: Api, clinic: dict, patient_id: int) -> dict:
    """Book `patient_id` in `clinic` later today (the branch's date); the API's answer.

    A free slot of one of the branch's doctors in working hours if there is one left
    today; otherwise (evenings, weekends) the next quarter hour with the staff's
    audited `override_hours`, trying the doctors in turn (one may be busy then).
    """
    zone = ZoneInfo(clinic["timezone"])
    earliest = datetime.now(UTC) + LEAD
    today = earliest.astimezone(zone).date()
    response = api.get("/api/v1/doctors", clinic_id=clinic["id"], limit=100)
    assert response.status_code == 200, response.text
    doctors = [doctor["id"] for doctor in response.json()]
    assert doctors, f"no doctors in {clinic['name']}"

    def book(doctor_id: int, start: datetime, override: bool) -> dict | None:
        response = api.post(APPOINTMENTS, {
            "branch": clinic["id"], "employee": doctor_id, "patient": patient_id,
            "start_datetime": iso(start), "end_datetime": iso(start + LENGTH),
            "override_hours": override, "comment": "e2e: живое обновление «Сегодня»"})
        if response.status_code == 409:  # taken a moment ago, or the doctor is busy then
            return None
        assert response.status_code == 201, response.text
        return response.json()

    for doctor_id in doctors:
        response = api.get(f"/api/v1/doctors/{doctor_id}/slots", clinic_id=clinic["id"],
                           date_from=today.isoformat(), date_to=today.isoformat(),
                           duration=int(LENGTH.total_seconds() // 60))
        assert response.status_code == 200, response.text
        for slot in response.json():
            start = datetime.fromisoformat(slot["start_datetime"].replace("Z", "+00:00"))
            if start >= earliest and (booked := book(doctor_id, start, override=False)):
                return booked
    # Outside working hours: the next quarter hours of today, with the override.
    start = (earliest + timedelta(minutes=1)).astimezone(zone).replace(second=0, microsecond=0)
    start += timedelta(minutes=-start.minute % 15)
    while start.date() == today:
        for doctor_id in doctors:
            if booked := book(doctor_id, start, override=True):
                return booked
        start += timedelta(minutes=15)
    pytest.skip(f"no doctor of {clinic['name']} is free for {LENGTH} later today")


# --- the page ------------------------------------------------------------------------

def open_desk(driver, base: str, user, branch_id: int, landing: str = "/desk/",
              query: str = "") -> None:
    """Sign in through the login page (landing on `landing`) and open the branch's board
    (with `query`, e.g. "&show=all"); wait until it listens."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": SWAP_COUNTER})
    sign_in_with_password(driver, base, user.email, user.password)
    wait_for_path(driver, landing)  # where the role's day starts
    driver.get(f"{base}/desk/?branch={branch_id}{query}")
    wait_for_path(driver, "/desk/")
    assert driver.find_element(By.ID, "desk").get_attribute("data-branch-id") == str(branch_id)
    wait_until(driver, lambda d: d.execute_script("return window.__deskSwaps") >= 1,
               "board refreshed after joining the branch's live room", LIVE_TIMEOUT)
    driver.execute_script("window.__marker = 1")


def card_selector(appointment_id: int, column: str) -> str:
    return f"#desk-board .desk-column-{column} #desk-appointment-{appointment_id}"


def card_text(driver, appointment_id: int, column: str) -> str | None:
    """The text of the appointment's card if it is in `column` (expected, waiting, …).

    Read in one script: the board may be swapped between a lookup and a read.
    """
    return driver.execute_script(
        "var card = document.querySelector(arguments[0]);"
        "return card ? card.innerText : null;", card_selector(appointment_id, column))


def wait_for_card(driver, appointment_id: int, column: str, name: str, window: str) -> str:
    wait_until(driver, lambda d: name in (card_text(d, appointment_id, column) or ""),
               f"card of {name} in «{column}» in {window}", LIVE_TIMEOUT)
    return card_text(driver, appointment_id, column)


def click_step(driver, appointment_id: int, column: str, status: str) -> None:
    """Click a one-click step (arrived, …) on the card, again if the board was just swapped."""
    selector = card_selector(appointment_id, column) + f" button[name=status][value={status}]"

    def click(d) -> bool:
        d.find_element(By.CSS_SELECTOR, selector).click()
        return True

    WebDriverWait(driver, 5, ignored_exceptions=(StaleElementReferenceException,)).until(click)


def assert_not_reloaded(driver, window: str) -> None:
    assert driver.execute_script("return window.__marker") == 1, f"{window} reloaded the page"


# --- the test ------------------------------------------------------------------------

def test_today_board_updates_live_in_two_windows(browser, second_browser, live_server,
                                                 cli_user):
    base = live_server.url
    clinic = choose_branch(base)
    user = cli_user("receptionist", branches=(clinic["id"],))
    windows = {"window 1": browser, "window 2": second_browser}
    for driver in windows.values():
        open_desk(driver, base, user, clinic["id"])
    screenshot(browser, "desk-live-1-before")

    # Booked elsewhere (an app, the calendar): both boards show it in «Ожидаются».
    api = Api(base, user.email, user.password)
    patient = new_patient(api, clinic["id"])
    name = patient["full_name"]
    appointment = book_later_today(api, clinic, patient["id"])
    assert appointment["status"] == "booked" and appointment["patient_name"] == name
    for window, driver in windows.items():
        text = wait_for_card(driver, appointment["id"], "expected", name, window)
        assert appointment["time"] in text, text
        assert_not_reloaded(driver, window)
    screenshot(second_browser, "desk-live-2-booked")

    # «Пришёл» in window 1: window 1 gets the board in the answer, window 2 by the event.
    click_step(browser, appointment["id"], "expected", "arrived")
    wait_for_card(browser, appointment["id"], "waiting", name, "window 1")
    text = wait_for_card(second_browser, appointment["id"], "waiting", name, "window 2")
    assert card_text(second_browser, appointment["id"], "expected") is None
    assert "ждёт" in text, text
    screenshot(browser, "desk-live-1-arrived")
    screenshot(second_browser, "desk-live-2-arrived")
    for window, driver in windows.items():
        assert_not_reloaded(driver, window)
        assert_clean_console(driver, f"/desk/ in {window}")
