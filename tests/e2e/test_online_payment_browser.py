"""Book → invoice → pay online through the sandbox's card page → paid, end to end on a live
server: the patient books and starts the payment through document 001, pays on a phone,
the bank's page sends them back to «Оплата прошла», the appointment's payment_status is
`paid`, and the receptionist's calendar dialog says «Оплачено»."""
from __future__ import annotations

import time

import pytest
import requests
from selenium.webdriver.common.by import By

from tests.billing.live_api import PATIENT, patient_books, token
from tests.e2e.conftest import screenshot
from tests.e2e.test_login_browser import (
    assert_clean_console,
    open_page,
    sign_in_with_password,
    wait_for_landing,
    wait_until,
)
from tests.scheduling.test_race import RECEPTION, _json

pytestmark = [pytest.mark.browser, pytest.mark.live]


def _payment_status(live_server, headers, appointment_id) -> str:
    mine = _json(requests.get(live_server.url + "/api/v1/appointments", headers=headers,
                              params={"limit": 100}, timeout=10))
    return {a["id"]: a["payment_status"] for a in mine}[appointment_id]


def test_a_patient_pays_online_and_the_clinic_sees_it_paid(live_server, phone_browser,
                                                           browser):
    patient = token(live_server, PATIENT)
    reception = token(live_server, RECEPTION)
    branch = _json(requests.get(live_server.url + "/api/v1/auth/me", headers=reception,
                                timeout=10))["branches"][0]["id"]
    appointment, price = patient_books(live_server, patient, branch)
    assert _payment_status(live_server, patient, appointment) == "unpaid"
    created = requests.post(live_server.url + "/api/v1/payment/create", headers=patient,
                            timeout=10, json={"appointment_id": appointment, "amount": price})
    assert created.status_code == 200, created.text

    phone_browser.get(created.json()["payment_url"])
    page = phone_browser.find_element(By.TAG_NAME, "body").text
    assert "Тестовая оплата" in page and "RUB" in page
    screenshot(phone_browser, "online-payment-bank-page")
    phone_browser.find_element(By.CSS_SELECTOR, "form.sandbox-form .btn-primary").click()
    wait_until(phone_browser, lambda d: "/payment/return" in d.current_url,
               "the bank's page sends the payer back")
    assert "Оплата прошла" in phone_browser.find_element(By.TAG_NAME, "body").text
    screenshot(phone_browser, "online-payment-returned")
    assert_clean_console(phone_browser, "the return page")

    deadline = time.time() + 15
    while _payment_status(live_server, patient, appointment) != "paid":
        assert time.time() < deadline, "payment_status never became paid"
        time.sleep(0.3)

    sign_in_with_password(browser, live_server.url, RECEPTION["username"],
                          RECEPTION["password"])
    wait_for_landing(browser)
    open_page(browser, live_server.url, f"/appointments/{appointment}/billing")
    block = browser.find_element(By.TAG_NAME, "body").text
    assert "Оплачено" in block, block
