"""The calendar read at a glance, in Debian's headless chromium (issue #12).

One day of a doctor far ahead gets a 15-minute appointment of every status and a longer
one (written straight into the live server's database: visit statuses cannot be reached
by booking a future day). The smallest blocks must tell their statuses apart by what is
drawn (fill, outline, mark) with no word shown; the legend draws the same; the doctor's
stripe is the staff card's colour. At 390 px the page does not scroll sideways and the
dialog's text area takes the form's width. A doctor signing in lands on their own day.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import create_engine, text

from clinicapp.seed import DEMO_PASSWORD

from .conftest import console_errors, screenshot
from .test_desk_live import Api, iso
from .test_login_browser import (
    sign_in_with_password,
    wait_for_landing,
    wait_for_path,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.live]

DAYS_AHEAD = 300  # far from the demo month and from the other browser tests' days
STATUSES = ("booked", "confirmed", "arrived", "in_progress", "completed", "no_show")

# What a block of each status draws: fill, outline, mark icon; read in the page.
DRAWN = """
var out = {};
document.querySelectorAll(arguments[0]).forEach(function (el) {
  var mark = el.querySelector('.cal-mark');
  var box = getComputedStyle(el.classList.contains('cal-legend-item')
    ? el.querySelector('.cal-legend-swatch') : el);
  var icon = getComputedStyle(mark, '::before');
  var rect = mark.getBoundingClientRect();
  out[el.className.match(/status-(\\w+)/)[1]] = {
    fill: box.backgroundColor, outline: box.borderTopStyle, edge: box.borderTopColor,
    icon: icon.webkitMaskImage || icon.maskImage, badge: getComputedStyle(mark).backgroundColor,
    markWidth: rect.width, markHeight: rect.height};
});
return out;
"""


@pytest.fixture(scope="module")
def glance_day(live_server):
    """{clinic, day, doctor, color, blocks: {status: id}, long: id}: one doctor's day far
    ahead in the first branch, with a 15-minute block of every status and a 60-minute one."""
    engine = create_engine(live_server.database_url.replace(
        "postgresql://", "postgresql+psycopg2://", 1))
    with engine.begin() as db:
        clinic = db.execute(text("SELECT id, timezone FROM clinics ORDER BY id LIMIT 1")).one()
        zone = ZoneInfo(clinic.timezone)
        day = datetime.now(UTC).astimezone(zone).date() + timedelta(days=DAYS_AHEAD)
        day += timedelta(days=(1 - day.weekday()) % 7)  # a Tuesday: the demo doctors work
        doctor = db.execute(text(
            "SELECT e.id, e.color FROM employees e JOIN working_intervals w "
            "ON w.employee_id = e.id WHERE w.clinic_id = :clinic AND w.weekday = :weekday "
            "AND w.starts_at <= '09:00' AND w.ends_at >= '11:00' AND e.is_active "
            "ORDER BY e.id LIMIT 1"), {"clinic": clinic.id, "weekday": day.weekday()}).first()
        if doctor is None:
            pytest.skip(f"nobody works 09:00–11:00 on {day:%A}s in branch {clinic.id}")
        patients = db.execute(text("SELECT id FROM patients ORDER BY id LIMIT 7")).scalars().all()

        def book(patient: int, start: time, minutes: int, status: str) -> int:
            starts = datetime.combine(day, start, zone)
            return db.execute(text(
                "INSERT INTO appointments (clinic_id, employee_id, patient_id, starts_at, "
                "ends_at, status, is_primary, source, outside_hours) VALUES (:clinic, "
                ":doctor, :patient, :starts, :ends, :status, false, 'staff', false) "
                "RETURNING id"), {"clinic": clinic.id, "doctor": doctor.id, "patient": patient,
                                  "starts": starts, "status": status,
                                  "ends": starts + timedelta(minutes=minutes)}).scalar_one()

        blocks = {status: book(patients[n], time(9 + n // 4, 15 * (n % 4)), 15, status)
                  for n, status in enumerate(STATUSES)}
        long = book(patients[6], time(10, 30), 60, "confirmed")
    engine.dispose()
    return {"clinic": clinic.id, "zone": clinic.timezone, "day": day.isoformat(),
            "doctor": doctor.id, "color": doctor.color, "blocks": blocks, "long": long,
            "patient": patients[0]}


def open_day(driver, base: str, user, data: dict) -> None:
    sign_in_with_password(driver, base, user.email, user.password)
    wait_for_landing(driver)
    driver.get(f"{base}/calendar/?branch={data['clinic']}&date={data['day']}")
    wait_for_path(driver, "/calendar/")
    wait_until(driver, lambda d: d.find_elements(By.ID, f"appt-{data['long']}"),
               "the day's blocks")


def shown(driver, selector: str) -> bool:
    return driver.execute_script(
        "var el = document.querySelector(arguments[0]);"
        "return !!el && el.getBoundingClientRect().width > 0"
        " && getComputedStyle(el).display !== 'none';", selector)


def inside(driver, block: str, part: str) -> bool:
    """The part of the block lies within the block's box (not cut off below it)."""
    return driver.execute_script(
        "var b = document.querySelector(arguments[0]).getBoundingClientRect();"
        "var p = document.querySelector(arguments[0] + ' ' + arguments[1])"
        ".getBoundingClientRect();"
        "return p.top >= b.top - 0.5 && p.bottom <= b.bottom + 0.5 && p.height > 0;",
        block, part)


def test_statuses_read_on_the_smallest_block_and_in_the_legend(browser, live_server, cli_user,
                                                               glance_day):
    data = glance_day
    user = cli_user("receptionist", branches=(data["clinic"],))
    open_day(browser, live_server.url, user, data)
    blocks = {status: f"#appt-{data['blocks'][status]}" for status in STATUSES}
    drawn = browser.execute_script(DRAWN, ", ".join(blocks.values()))
    legend = browser.execute_script(DRAWN, ".cal-legend-item")
    screenshot(browser, "calendar-glance-statuses")

    assert sorted(legend) == sorted(STATUSES)  # their order: the legend's text, below
    looks = {status: (d["fill"], d["outline"], d["edge"], d["icon"], d["badge"])
             for status, d in drawn.items()}
    assert len(set(looks.values())) == len(STATUSES), looks
    assert len({d["icon"] for d in drawn.values()}) == len(STATUSES)  # a mark of its own
    assert all(d["icon"].startswith("url(") for d in drawn.values())
    # To be called: hollow and dashed; confirmed: filled and solid.
    assert drawn["booked"]["outline"] == "dashed" and drawn["confirmed"]["outline"] == "solid"
    assert drawn["booked"]["fill"] == "rgb(255, 255, 255)" != drawn["confirmed"]["fill"]
    assert drawn["booked"]["badge"] != drawn["confirmed"]["badge"]
    # The legend's words in the order of a visit (in whichever language the page speaks).
    words = dict(zip(STATUSES, (item.text for item in browser.find_elements(
        By.CSS_SELECTOR, ".cal-legend-item")), strict=True))
    assert [item.get_attribute("class").split("status-")[1] for item in
            browser.find_elements(By.CSS_SELECTOR, ".cal-legend-item")] == list(STATUSES)
    assert len(set(words.values())) == len(STATUSES) and all(words.values())
    for status in STATUSES:
        block, word = blocks[status], words[status]
        assert drawn[status]["markWidth"] >= 10 and drawn[status]["markHeight"] >= 10
        assert shown(browser, f"{block} .cal-appt-patient") and inside(browser, block,
                                                                        ".cal-appt-patient")
        # The word shows only where it fits (a wide column fits it beside the patient).
        assert not shown(browser, f"{block} .cal-appt-status") or inside(
            browser, block, ".cal-appt-status")
        assert not shown(browser, f"{block} .cal-appt-service")  # no room for that
        label = browser.find_element(By.CSS_SELECTOR, block).get_attribute("aria-label")
        assert word in label and label[:5].replace(":", "").isdigit(), label
        # The legend draws what the blocks draw.
        assert legend[status]["icon"] == drawn[status]["icon"]
        assert legend[status]["outline"] == drawn[status]["outline"]
    # A taller block has room for the words: its status and its time range.
    long = f"#appt-{data['long']}"
    assert shown(browser, f"{long} .cal-appt-status") and shown(browser, f"{long} .cal-appt-time")
    assert browser.find_element(By.CSS_SELECTOR, f"{long} .cal-appt-status").text \
        == words["confirmed"]
    # The doctor's stripe is the staff card's colour.
    stripe = browser.find_element(By.CSS_SELECTOR, f"{blocks['booked']} .cal-appt-doc rect")
    assert stripe.get_attribute("fill").lower() == data["color"].lower()
    assert browser.execute_script(
        "return arguments[0].closest('svg').getBoundingClientRect().width", stripe) >= 4
    # Opened at the start of that (future) day: the first working row, with a little before.
    scroll, expected = browser.execute_script("""
        var grid = document.getElementById('cal-grid'), s = document.getElementById('cal-scroll');
        var col = s.querySelector('.cal-col');
        var rows = (+grid.dataset.last - +grid.dataset.origin) / 5;
        var rowH = col.getBoundingClientRect().height / rows;
        return [s.scrollTop, Math.max(0, (+grid.dataset.scrollRow - 1 - 6) * rowH)];""")
    assert abs(scroll - expected) <= 2, (scroll, expected)

    # Someone books a doctor hidden that day (no hours here): their column comes by itself.
    hidden = browser.find_element(By.ID, "cal-grid").get_attribute("data-hidden").split(",")
    assert hidden != [""], "the demo data has doctors who work elsewhere on Tuesdays"
    start = datetime.combine(date.fromisoformat(data["day"]), time(12), ZoneInfo(data["zone"]))
    booked = Api(live_server.url, user.email, user.password).post(
        "/api/v1/calendar/appointments", {
            "branch": data["clinic"], "employee": int(hidden[0]), "patient": data["patient"],
            "start_datetime": iso(start), "end_datetime": iso(start + timedelta(minutes=30)),
            "override_hours": True})
    assert booked.status_code == 201, booked.text
    wait_until(browser, lambda d: d.find_elements(By.ID, f"appt-{booked.json()['id']}"),
               "the hidden doctor's column with the new booking", 10)
    assert browser.find_element(By.CSS_SELECTOR, f".cal-col[data-doctor='{hidden[0]}']")
    assert not console_errors(browser)


def test_the_calendar_at_phone_width(phone_browser, live_server, cli_user, glance_day):
    data = glance_day
    user = cli_user("receptionist", branches=(data["clinic"],))
    open_day(phone_browser, live_server.url, user, data)
    page_width, viewport, grid_inner, grid_box = phone_browser.execute_script("""
        var s = document.getElementById('cal-scroll');
        return [document.documentElement.scrollWidth, window.innerWidth, s.scrollWidth,
                s.clientWidth];""")
    assert page_width <= viewport, "the page scrolls sideways"
    assert grid_inner >= grid_box  # the grid scrolls inside its own box when it must
    assert shown(phone_browser, f"#appt-{data['blocks']['booked']} .cal-mark")
    screenshot(phone_browser, "calendar-glance-phone")
    # The booking dialog: its text area as wide as the form.
    phone_browser.find_element(By.ID, "cal-new").click()
    wait_until(phone_browser, lambda d: d.execute_script(
        "return document.getElementById('cal-dialog').open")
        and d.find_elements(By.CSS_SELECTOR, "#cal-dialog textarea"), "the booking dialog")
    area, form, width = phone_browser.execute_script("""
        var t = document.querySelector('#cal-dialog textarea');
        return [t.getBoundingClientRect().width, t.closest('form').getBoundingClientRect().width,
                document.documentElement.scrollWidth];""")
    assert abs(area - form) <= 1 and width <= viewport, (area, form, width)
    screenshot(phone_browser, "calendar-glance-phone-dialog")
    assert not console_errors(phone_browser)


def test_a_doctor_lands_on_their_own_day(browser, live_server):
    """The demo doctor (Докторов, in two branches) opens the calendar: their own column,
    first and marked, in a branch where they work today; the week view is their week."""
    base = live_server.url
    sign_in_with_password(browser, base, "doctor@clinic.test", DEMO_PASSWORD)
    wait_for_landing(browser)
    browser.get(base + "/calendar/")
    wait_for_path(browser, "/calendar/")
    first = browser.find_element(By.CSS_SELECTOR, ".cal-column")
    assert "is-own" in first.get_attribute("class")
    assert first.find_element(By.CSS_SELECTOR, ".cal-head-title").text.startswith("Докторов")
    assert first.find_elements(By.CSS_SELECTOR, ".cal-work"), "landed where they do not work"
    assert len(browser.find_elements(By.CSS_SELECTOR, ".cal-column.is-own")) == 1
    own = first.find_element(By.CSS_SELECTOR, ".cal-col").get_attribute("data-doctor")
    branch = browser.find_element(By.ID, "calendar").get_attribute("data-branch-id")
    screenshot(browser, "calendar-glance-doctor-day")
    browser.find_element(By.CSS_SELECTOR, ".cal-switch a:last-child").click()  # the week
    wait_until(browser, lambda d: "view=week" in d.current_url
               and d.find_elements(By.ID, "cal-doctor"), "the week view")
    calendar = browser.find_element(By.ID, "calendar")
    assert calendar.get_attribute("data-doctor") == own
    assert calendar.get_attribute("data-branch-id") == branch
    assert browser.execute_script(
        "var s = document.getElementById('cal-doctor'); return s.options[s.selectedIndex].text"
    ).startswith("Докторов")
    assert not console_errors(browser)
