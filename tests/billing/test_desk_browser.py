"""The cash desk in Debian's headless chromium at a phone's width (390 px): the demo
cashier signs in, lands on the desk, opens an invoice, takes part by card and the rest in
cash with the change shown while typing, and the invoice ends paid with a receipt."""
from __future__ import annotations

from decimal import Decimal

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import create_engine, text

from clinicapp.seed import DEMO_PASSWORD
from tests.e2e.conftest import screenshot
from tests.e2e.test_login_browser import (
    assert_clean_console,
    sign_in_with_password,
    wait_for_landing,
    wait_until,
)
from tests.e2e.test_small_screens import assert_tables_fold

pytestmark = [pytest.mark.browser, pytest.mark.live]


@pytest.fixture
def desk_invoice(live_server):
    """An issued invoice of 1 500.00 in the demo cashier's branch (written straight into
    the live server's database): {id, number}."""
    engine = create_engine(live_server.database_url.replace(
        "postgresql://", "postgresql+psycopg2://", 1))
    with engine.begin() as db:
        cashier = db.execute(text(
            "SELECT c.id, c.organization_id FROM users u JOIN user_branches ub "
            "ON ub.user_id = u.id JOIN clinics c ON c.id = ub.clinic_id "
            "WHERE u.email = 'cashier@clinic.test' ORDER BY c.id LIMIT 1")).one()
        patient = db.execute(text("SELECT id FROM patients ORDER BY id LIMIT 1")).scalar_one()
        currency = db.execute(text("SELECT currency FROM organizations WHERE id = :id"),
                              {"id": cashier.organization_id}).scalar_one()
        number = "INV-E2E-" + str(db.execute(text("SELECT floor(random() * 1e8)::int"))
                                  .scalar_one())
        invoice = db.execute(text(
            "INSERT INTO invoices (organization_id, clinic_id, patient_id, number, status, "
            "currency, total, paid, pending, refunded, issued_at) VALUES (:org, :clinic, "
            ":patient, :number, 'issued', :currency, 1500, 0, 0, 0, now()) RETURNING id"),
            {"org": cashier.organization_id, "clinic": cashier.id, "patient": patient,
             "number": number, "currency": currency}).scalar_one()
        db.execute(text(
            "INSERT INTO invoice_lines (invoice_id, position, name, unit_price, quantity, "
            "discount_percent, amount) VALUES (:invoice, 0, 'Приём терапевта', 1500, 1, 0, "
            "1500)"), {"invoice": invoice})
    yield {"id": invoice, "number": number, "engine": engine}
    engine.dispose()


def _fill(driver, selector: str, value: str) -> None:
    field = driver.find_element(By.CSS_SELECTOR, selector)
    field.clear()
    field.send_keys(value)


def _choose(driver, method: str) -> None:
    driver.find_element(By.CSS_SELECTOR, f'input[name="method"][value="{method}"]').click()


def _submit_and_wait(driver, what: str, condition) -> None:
    driver.find_element(By.CSS_SELECTOR, "#desk-pay-form button[type=submit]").click()
    wait_until(driver, condition, what)


def test_a_split_payment_on_a_phone(phone_browser, live_server, desk_invoice):
    driver, base = phone_browser, live_server.url
    sign_in_with_password(driver, base, "cashier@clinic.test", DEMO_PASSWORD)
    wait_for_landing(driver)
    assert driver.current_url.endswith("/cash-desk/")
    wait_until(driver, lambda d: desk_invoice["number"] in d.page_source, "the invoice listed")
    assert driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scroll"

    row = driver.find_element(By.XPATH, f"//tr[contains(., '{desk_invoice['number']}')]")
    row.find_element(By.CSS_SELECTOR, "td.cell-title a").click()
    wait_until(driver, lambda d: d.find_elements(By.ID, "desk-pay-form"), "the payment form")
    screenshot(driver, "cash-desk-phone-open")

    _choose(driver, "card")
    assert not driver.find_element(By.ID, "desk-tendered").is_displayed(), "cash only"
    _fill(driver, "#desk-amount", "1000")
    _submit_and_wait(driver, "the card part taken", lambda d: "Принято" in d.find_element(
        By.ID, "desk-invoice").text)
    assert driver.find_element(By.ID, "desk-amount").get_attribute("value") == "500,00"

    _choose(driver, "cash")
    _fill(driver, "#desk-tendered", "1000")
    change = driver.find_element(By.CSS_SELECTOR, "[data-cash-change]")
    wait_until(driver, lambda d: "500,00" in change.text, "the change shown while typing")
    assert "Сдача" in change.text
    screenshot(driver, "cash-desk-phone-change")
    assert driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scroll"

    _submit_and_wait(driver, "the invoice paid", lambda d: "Счёт оплачен полностью" in d.find_element(
        By.ID, "desk-invoice").text)
    assert "Сдача" in driver.find_element(By.ID, "desk-invoice").text
    wait_until(driver, lambda d: desk_invoice["number"] not in d.find_element(
        By.ID, "desk-list").text, "the list refreshed without the paid invoice")
    screenshot(driver, "cash-desk-phone-paid")
    assert_clean_console(driver, "/cash-desk/")

    with desk_invoice["engine"].connect() as db:
        status, paid = db.execute(text("SELECT status, paid FROM invoices WHERE id = :id"),
                                  {"id": desk_invoice["id"]}).one()
        methods = db.execute(text(
            "SELECT method, amount, tendered FROM payments WHERE invoice_id = :id ORDER BY id"),
            {"id": desk_invoice["id"]}).all()
    assert (status, paid) == ("paid", Decimal("1500.00"))
    assert [tuple(m) for m in methods] == [("card", Decimal("1000.00"), None),
                                           ("cash", Decimal("500.00"), Decimal("1000.00"))]

    driver.get(f"{base}/invoices/{desk_invoice['id']}/receipt")
    wait_until(driver, lambda d: d.find_elements(By.ID, "receipt"), "the receipt")
    assert driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scroll"
    screenshot(driver, "cash-desk-phone-receipt")
    assert_clean_console(driver, "receipt")

    driver.get(f"{base}/invoices/{desk_invoice['id']}")
    wait_until(driver, lambda d: d.find_elements(By.ID, "invoice-payments"), "the invoice page")
    assert driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scroll"
    assert_tables_fold(driver, "/invoices/<id>")
    screenshot(driver, "invoice-phone")
    assert_clean_console(driver, "the invoice page")


def test_the_desk_on_a_desktop(browser, live_server, desk_invoice):
    """List and open invoice side by side; the panel opens in place (htmx) and the URL
    follows it, so a reload shows the same invoice."""
    driver, base = browser, live_server.url
    sign_in_with_password(driver, base, "cashier@clinic.test", DEMO_PASSWORD)
    wait_for_landing(driver)
    row = driver.find_element(By.XPATH, f"//tr[contains(., '{desk_invoice['number']}')]")
    row.find_element(By.CSS_SELECTOR, "td.cell-title a").click()
    wait_until(driver, lambda d: d.find_elements(By.ID, "desk-pay-form"), "the payment form")
    assert driver.current_url.endswith(f"/cash-desk/invoices/{desk_invoice['id']}")
    listed = driver.find_element(By.ID, "desk-list").rect
    panel = driver.find_element(By.ID, "desk-invoice").rect
    assert panel["x"] > listed["x"] + listed["width"] - 1, "side by side"
    screenshot(driver, "cash-desk-desktop")
    driver.refresh()
    wait_until(driver, lambda d: d.find_elements(By.ID, "desk-pay-form"), "the same invoice")
    assert_clean_console(driver, "/cash-desk/ (desktop)")
