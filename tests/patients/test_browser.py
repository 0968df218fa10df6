"""The patients' pages in headless chromium at a phone's width (390 px), in Russian and in
English (longer words): nothing scrolls sideways, the list folds into labelled cards, the
console stays clean; screenshots for the lead."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.e2e.conftest import phone_browser, screenshot  # noqa: F401
from tests.e2e.test_login_browser import (
    assert_clean_console,
    open_page,
    sign_in_with_password,
    wait_for_landing,
)
from tests.org.test_browser import choose_language, no_horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.live]


def first_card_path(driver) -> str:
    link = driver.find_element(By.CSS_SELECTOR, "#patients-results td.cell-title a")
    return "/" + link.get_attribute("href").split("/", 3)[3]


def check_fits(driver, base: str, path: str, shot: str) -> None:
    open_page(driver, base, path)
    assert no_horizontal_overflow(driver), path
    screenshot(driver, shot)
    assert_clean_console(driver, path)


def test_patients_fit_a_phone_in_both_languages(phone_browser, live_server, cli_user):  # noqa: F811
    base = live_server.url
    user = cli_user("receptionist")
    sign_in_with_password(phone_browser, base, user.email, user.password)
    wait_for_landing(phone_browser)
    for language in ("ru", "en"):
        choose_language(phone_browser, language)
        check_fits(phone_browser, base, "/patients/", f"phone-patients-{language}")
        # The table folded into cards: each cell says what it is.
        cell = phone_browser.find_element(By.CSS_SELECTOR, "#patients-results td[data-label]")
        assert phone_browser.execute_script(
            "return getComputedStyle(arguments[0]).display", cell) == "block"
        card = first_card_path(phone_browser)
        check_fits(phone_browser, base, card, f"phone-patient-card-{language}")
        check_fits(phone_browser, base, card + "/edit", f"phone-patient-form-{language}")
        check_fits(phone_browser, base, "/patients/new", f"phone-patient-new-{language}")
