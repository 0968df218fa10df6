"""A patient in the cabinet (/cabinet/chat) and a doctor in the staff chat (/chat/)
exchange messages live in two browser windows: each message appears in the other window
without a reload, the doctor's reading shows as ✓✓ to the patient, text stays text."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from clinicapp.seed import DEMO_PASSWORD
from tests.chat.live import new_patient, treat

from .conftest import screenshot
from .test_login_browser import assert_clean_console, sign_in_with_password, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.live]
LIVE_TIMEOUT = 10


def _live(driver) -> None:
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#chat[data-live='1']"),
               "a live chat connection", LIVE_TIMEOUT)


def _texts(driver) -> list[str]:
    return [item.text for item in driver.find_elements(By.CSS_SELECTOR, "#chat-messages .chat-text")]


def _times(driver) -> list[str]:
    return [item.text for item in driver.find_elements(By.CSS_SELECTOR, "#chat-messages time")]


def _write(driver, text: str) -> None:
    box = driver.find_element(By.ID, "chat-content")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


def test_patient_and_doctor_chat_live(live_server, browser, second_browser):
    base = live_server.url
    patient = new_patient(base, "Браузеров Чат")
    treat(live_server.database_url, patient.user_id, "doctor@clinic.test")

    sign_in_with_password(browser, base, patient.email, patient.password)
    wait_until(browser, lambda d: "/cabinet/chat" in d.current_url, "the cabinet chat")
    browser.find_element(By.XPATH, "//button[contains(@class,'chat-contact') and "
                                   "contains(., 'Докторов')]").click()
    wait_until(browser, lambda d: d.find_elements(By.ID, "chat-form"), "the open thread")
    conversation_id = browser.find_element(By.ID, "chat-thread").get_attribute(
        "data-conversation-id")
    _live(browser)

    sign_in_with_password(second_browser, base, "doctor@clinic.test", DEMO_PASSWORD)
    wait_until(second_browser, lambda d: "/login" not in d.current_url, "the doctor's landing")
    second_browser.get(f"{base}/chat/?c={conversation_id}")
    wait_until(second_browser, lambda d: d.find_elements(By.ID, "chat-form"), "the thread")
    _live(second_browser)

    _write(browser, "Здравствуйте, <b>доктор</b>")
    wait_until(second_browser, lambda d: "Здравствуйте, <b>доктор</b>" in _texts(d),
               "the patient's message in the doctor's window", LIVE_TIMEOUT)
    # The doctor had the thread open: reading it shows as ✓✓ on the patient's side.
    wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#chat-messages .chat-read"),
               "the read receipt", LIVE_TIMEOUT)

    _write(second_browser, "Добрый день! Чем помочь?")
    wait_until(browser, lambda d: "Добрый день! Чем помочь?" in _texts(d),
               "the doctor's answer in the patient's window", LIVE_TIMEOUT)
    assert _texts(browser) == ["Здравствуйте, <b>доктор</b>", "Добрый день! Чем помочь?"]
    assert not browser.find_elements(By.CSS_SELECTOR, "#chat-messages b")  # text, not HTML
    # A live message's time reads as the server writes it after a reload (the reader's zone).
    live_times = _times(browser)
    # A blank message is refused next to the box, not sent.
    _write(browser, "   ")
    wait_until(browser, lambda d: d.find_element(By.ID, "chat-error").text == "Напишите текст",
               "the blank message's refusal")
    browser.refresh()
    wait_until(browser, lambda d: d.find_elements(By.ID, "chat-form"), "the reloaded thread")
    assert _times(browser) == live_times and all(live_times)
    screenshot(browser, "chat-cabinet")
    screenshot(second_browser, "chat-staff")
    assert_clean_console(browser, "/cabinet/chat")
    assert_clean_console(second_browser, "/chat/")
