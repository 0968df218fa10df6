"""The inbox in a browser: on a phone the filters fold behind «Фильтры» and the list starts
on the first screen; on a desktop the filters are out (consultations.js opens the fold)."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from clinicapp.seed import DEMO_PASSWORD

from ..e2e.conftest import browser, phone_browser  # noqa: F401 - fixtures
from ..e2e.test_login_browser import assert_clean_console, sign_in_with_password, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.live]


def _inbox(driver, live_server, query: str = "") -> None:
    sign_in_with_password(driver, live_server.url, "reception@clinic.test", DEMO_PASSWORD)
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "details.user-menu"),
               "signed in")
    driver.get(f"{live_server.url}/consultations/{query}")


def test_on_a_phone_the_filters_fold_and_the_list_is_on_the_first_screen(
        phone_browser, live_server):  # noqa: F811
    _inbox(phone_browser, live_server)
    summary = phone_browser.find_element(By.CSS_SELECTOR, "details[data-fold-narrow] > summary")
    assert summary.is_displayed() and summary.text == "Фильтры"
    assert not phone_browser.find_element(By.ID, "f-lang").is_displayed()
    quick = phone_browser.find_elements(By.CSS_SELECTOR, ".cons-quick a")
    assert quick and all(link.is_displayed() for link in quick)
    top = phone_browser.execute_script(
        "return document.getElementById('consultation-list').getBoundingClientRect().top")
    assert top < 844 / 2, f"the list starts {top}px down"
    summary.click()
    assert phone_browser.find_element(By.ID, "f-lang").is_displayed()
    assert_clean_console(phone_browser, "/consultations/")
    phone_browser.get(f"{live_server.url}/consultations/?lang=uz")
    assert phone_browser.find_element(By.ID, "f-lang").is_displayed(), "a filter set: open"


def test_on_a_desktop_the_filters_are_out(browser, live_server):  # noqa: F811
    _inbox(browser, live_server)
    assert browser.find_element(By.ID, "f-lang").is_displayed()
    assert not browser.find_element(
        By.CSS_SELECTOR, "details[data-fold-narrow] > summary").is_displayed()
    assert_clean_console(browser, "/consultations/")
