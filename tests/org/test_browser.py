"""The clinic settings in headless chromium: no CSP violations or script errors, the
opening-hours helper works, nothing overflows a phone's width; screenshots for the lead."""
from __future__ import annotations

import pyotp
import pytest
from selenium.webdriver.common.by import By

from tests.e2e.conftest import browser, phone_browser, screenshot  # noqa: F401
from tests.e2e.test_login_browser import (
    assert_clean_console,
    enter_totp,
    heading,
    open_page,
    sign_in_with_password,
    wait_for_landing,
    wait_for_path,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.live]


def sign_in_admin(driver, base: str, cli_user) -> None:  # noqa: F811
    secret = pyotp.random_base32()
    user = cli_user("admin", totp_secret=secret)
    sign_in_with_password(driver, base, user.email, user.password)
    wait_for_path(driver, "/login/2fa")
    enter_totp(driver, secret)
    wait_for_landing(driver)


def first_branch_path(driver) -> str:
    link = driver.find_element(By.CSS_SELECTOR, "#branches-table td.actions a")
    return "/" + link.get_attribute("href").split("/", 3)[3]


def no_horizontal_overflow(driver) -> bool:
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1")


def choose_language(driver, code: str) -> None:
    """The footer's language switch, as a person would use it (the browser's own
    Accept-Language would decide otherwise)."""
    button = driver.find_element(By.CSS_SELECTOR, f"footer button[name=language][value={code}]")
    driver.execute_script("arguments[0].click()", button)
    wait_until(driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang")
               == code, f"the page in {code}")


def test_settings_and_branch_form_on_desktop(browser, live_server, cli_user):  # noqa: F811
    base = live_server.url
    sign_in_admin(browser, base, cli_user)
    choose_language(browser, "ru")
    open_page(browser, base, "/settings/")
    assert heading(browser) == "Клиника"
    assert browser.find_element(By.NAME, "inn").get_attribute("value") == "7707083893"
    assert "Клиника на Тверской" in browser.find_element(By.ID, "branches-table").text
    screenshot(browser, "desktop-org-settings")
    assert_clean_console(browser, "/settings/")

    path = first_branch_path(browser)
    open_page(browser, base, path)
    monday = browser.find_element(By.NAME, "hours_mon")
    monday.clear()
    monday.send_keys("08:00–20:00")
    browser.find_element(By.CSS_SELECTOR, "[data-hours-copy]").click()
    for day in ("tue", "wed", "thu", "fri"):
        assert browser.find_element(By.NAME, f"hours_{day}").get_attribute("value") == \
            "08:00–20:00"
    assert browser.find_element(By.NAME, "hours_sat").get_attribute("value") != "08:00–20:00"
    screenshot(browser, "desktop-org-branch-form")
    assert_clean_console(browser, path)


def test_settings_fit_a_phone(phone_browser, live_server, cli_user):  # noqa: F811
    base = live_server.url
    sign_in_admin(phone_browser, base, cli_user)
    for language in ("ru", "en"):  # English words are longer
        choose_language(phone_browser, language)
        open_page(phone_browser, base, "/settings/")
        assert no_horizontal_overflow(phone_browser)
        # The branches' table folded into cards: each cell says what it is.
        cell = phone_browser.find_element(By.CSS_SELECTOR, "#branches-table td[data-label]")
        assert phone_browser.execute_script(
            "return getComputedStyle(arguments[0]).display", cell) == "block"
        screenshot(phone_browser, f"phone-org-settings-{language}")
        path = first_branch_path(phone_browser)
        open_page(phone_browser, base, path)
        assert no_horizontal_overflow(phone_browser)
        screenshot(phone_browser, f"phone-org-branch-form-{language}")
        assert_clean_console(phone_browser, path)
