"""The sandbox's card page in a phone's browser (390 px) on a live server: it fits the
screen without sideways scrolling, shows no console errors (CSP), and «Оплатить» pays the
order, sends the signed callback and lands on the return URL."""
from __future__ import annotations

import uuid

import psycopg2
import pytest
from selenium.webdriver.common.by import By

from clinicapp.billing.checksum import verify
from clinicapp.config import Config
from tests.e2e.conftest import phone_browser, screenshot  # noqa: F401 - a fixture
from tests.e2e.test_login_browser import assert_clean_console, wait_until

from .test_sandbox_gateway import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.live]


def _insert_order(database_url: str, **fields) -> str:
    """An order registered with the sandbox, written straight into the live database (as
    SandboxGateway.register would, without the rest of billing)."""
    order_id = str(uuid.uuid4())
    row = {"id": order_id, "order_number": f"INV-E2E-{order_id[:8]}", "currency": "RUB",
           **fields}
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO sandbox_orders ({', '.join(row)}) "
                       f"VALUES ({', '.join(['%s'] * len(row))})", list(row.values()))
    connection.close()
    return order_id


def _status(database_url: str, order_id: str) -> int:
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT status FROM sandbox_orders WHERE id = %s", (order_id,))
        status = cursor.fetchone()[0]
    connection.close()
    return status


def test_pay_on_a_phone(live_server, phone_browser):  # noqa: F811 - the imported fixture
    receiver = Receiver()
    try:
        order_id = _insert_order(
            live_server.database_url, amount="123456.78",
            description="Приём терапевта и три анализа крови с очень длинным названием услуги",
            return_url=f"{live_server.url}/login?paid=1", fail_url=f"{live_server.url}/login",
            callback_url=receiver.url)
        driver = phone_browser
        driver.get(f"{live_server.url}/payment/sandbox/{order_id}")
        wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".sandbox-card"),
                   "the card page")
        body = driver.find_element(By.TAG_NAME, "body").text
        assert "Тестовая оплата — деньги не списываются" in body
        assert "123 456,78 RUB" in body.replace("\u00a0", " ").replace("\u202f", " ")
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(driver, "billing-sandbox-phone")
        assert_clean_console(driver, "the sandbox page")

        driver.find_element(By.XPATH, "//button[normalize-space()='Оплатить']").click()

        wait_until(driver, lambda d: "/login" in d.current_url, "the return URL")
        assert driver.current_url.endswith(f"/login?paid=1&orderId={order_id}")
        callback = receiver.next()
        assert callback["operation"] == "deposited" and callback["status"] == "1"
        assert verify(callback, Config().SBER_CALLBACK_KEY)
        assert _status(live_server.database_url, order_id) == 2
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
