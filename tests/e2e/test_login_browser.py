"""Signing in through the real pages in Debian's headless chromium.

The demo admin with TOTP, a receptionist enrolling in 2FA from the profile, a clean
browser console on every page (no CSP violations, no JavaScript errors), and
screenshots at desktop and phone width in /tmp/clinicapp-shots/.
"""
from __future__ import annotations

import time
from urllib.parse import urlparse

import pyotp
import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from clinicapp.seed import DEMO_ADMIN_TOTP_SECRET, DEMO_PASSWORD

from .conftest import console_errors, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.live]

DEMO_ADMIN = ("admin@clinic.test", DEMO_PASSWORD, "Админова Анна Сергеевна")
_last_step: dict[str, int] = {}  # secret -> the last TOTP step this process typed


# --- helpers -------------------------------------------------------------------------

def _path(driver) -> str:
    return urlparse(driver.current_url).path


def _error_page(driver) -> bool:
    return bool(driver.find_elements(By.CSS_SELECTOR, "main .error-page"))


def wait_until(driver, condition, what: str, timeout: float = 15):
    """Wait for `condition`; stop early on the app's error page; fail with what is shown."""
    try:
        WebDriverWait(driver, timeout).until(lambda d: condition(d) or _error_page(d))
    except TimeoutException:
        pass
    if not condition(driver):
        shot = screenshot(driver, "failure-" + time.strftime("%H%M%S"))
        body = driver.find_element(By.TAG_NAME, "body").text[:1500]
        pytest.fail(f"no {what} at {driver.current_url} (see {shot}):\n{body}")


def wait_for_path(driver, path: str, timeout: float = 15) -> None:
    """Wait until the browser shows `path` and the page (with its deferred scripts) loaded."""
    wait_until(driver, lambda d: _path(d) == path
               and d.execute_script("return document.readyState") == "complete",
               f"page {path}", timeout)


SIGN_IN_PAGES = ("/login", "/login/2fa", "/login/enrol")


def wait_for_landing(driver, timeout: float = 15) -> None:
    """Wait until sign-in is over and the role's landing page loaded (`/` sends each role
    where its day starts: tests/visits/test_landing.py)."""
    wait_until(driver, lambda d: _path(d) not in SIGN_IN_PAGES
               and d.execute_script("return document.readyState") == "complete",
               "the landing page after signing in", timeout)


def open_page(driver, base: str, path: str) -> None:
    driver.get(base + path)
    wait_for_path(driver, path)


def assert_clean_console(driver, page: str) -> None:
    errors = console_errors(driver)
    assert not errors, f"browser console errors on {page}:\n" + "\n".join(
        entry["message"] for entry in errors)


def totp_code(secret: str) -> str:
    """The current code, waiting for the next 30-s step if this process used this one.

    The app refuses a code of a step it has already accepted for the user (replay).
    """
    totp = pyotp.TOTP(secret)
    step = totp.timecode(time.time())
    if _last_step.get(secret, -1) >= step:
        time.sleep(totp.interval - time.time() % totp.interval + 0.5)
        step = totp.timecode(time.time())
    _last_step[secret] = step
    return totp.at(step * totp.interval)


def type_into(driver, name: str, text: str) -> None:
    field = driver.find_element(By.NAME, name)
    field.clear()
    field.send_keys(text)


def submit(driver) -> None:
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()


def sign_in_with_password(driver, base: str, email: str, password: str) -> None:
    open_page(driver, base, "/login")
    type_into(driver, "login", email)
    type_into(driver, "password", password)
    submit(driver)


def enter_totp(driver, secret: str) -> None:
    """On /login/2fa: type the code; if another process used this step, the next one."""
    type_into(driver, "code", totp_code(secret))
    submit(driver)
    try:
        WebDriverWait(driver, 10).until(lambda d: _path(d) != "/login/2fa"
                                        or d.find_elements(By.CSS_SELECTOR, ".field-error"))
    except TimeoutException:
        pass
    if _path(driver) == "/login/2fa":  # refused: the step was taken (e.g. another test)
        _last_step[secret] = pyotp.TOTP(secret).timecode(time.time())
        type_into(driver, "code", totp_code(secret))
        submit(driver)


def heading(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "main h1").text


def log_out_through_user_menu(driver, shot: str | None = None) -> None:
    menu = driver.find_element(By.CSS_SELECTOR, "details.user-menu")
    menu.find_element(By.TAG_NAME, "summary").click()
    logout = menu.find_element(By.XPATH, ".//form//button[normalize-space()='Выйти']")
    wait_until(driver, lambda d: logout.is_displayed(), "logout button in the user menu", 5)
    if shot:
        screenshot(driver, shot)
    logout.click()
    wait_for_path(driver, "/login")


# --- tests ---------------------------------------------------------------------------

def test_demo_admin_signs_in_with_totp_and_out(browser, live_server):
    email, password, name = DEMO_ADMIN
    base = live_server.url

    sign_in_with_password(browser, base, email, password)
    assert_clean_console(browser, "/login")
    wait_for_path(browser, "/login/2fa")
    assert heading(browser) == "Подтверждение входа"
    screenshot(browser, "desktop-2fa")
    assert_clean_console(browser, "/login/2fa")

    enter_totp(browser, DEMO_ADMIN_TOTP_SECRET)
    wait_for_path(browser, "/desk/summary")  # an administrator's day starts on the summary
    assert heading(browser) == "Сводка дня"
    assert f"Здравствуйте, {name}" in browser.find_element(By.CSS_SELECTOR, "main").text
    screenshot(browser, "desktop-home-admin")
    assert_clean_console(browser, "/desk/summary")

    open_page(browser, base, "/admin/users")
    assert heading(browser) == "Пользователи"
    table = browser.find_element(By.CSS_SELECTOR, "#users-table table")
    headers = [th.get_attribute("textContent").strip()  # CSS shows them upper-case
               for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert headers[:3] == ["ФИО", "Контакты", "Роль"]
    assert email in table.text and "manager@clinic.test" in table.text
    screenshot(browser, "desktop-admin-users")
    assert_clean_console(browser, "/admin/users")

    open_page(browser, base, "/profile/")
    assert "Включена" in browser.find_element(By.ID, "two-factor").text
    screenshot(browser, "desktop-profile-admin")
    assert_clean_console(browser, "/profile/")

    log_out_through_user_menu(browser, shot="desktop-user-menu")
    assert heading(browser) == "Вход в систему"
    assert "Вы вышли из системы" in browser.find_element(By.ID, "flashes").text
    assert not browser.find_elements(By.CSS_SELECTOR, "details.user-menu")
    assert_clean_console(browser, "/login after logout")
    # Signed out for real: a private page sends back to the login page.
    browser.get(base + "/admin/users")
    wait_for_path(browser, "/login")


def open_enrolment_from_the_profile(browser, base: str, user) -> str:
    """Sign in without 2FA, go to the profile, click «Включить»; return the shown secret."""
    sign_in_with_password(browser, base, user.email, user.password)
    wait_for_landing(browser)  # no 2FA yet: straight in
    assert_clean_console(browser, "the landing page")

    open_page(browser, base, "/profile/")
    two_factor = browser.find_element(By.ID, "two-factor")
    assert "Выключена" in two_factor.text
    screenshot(browser, "desktop-profile")
    assert_clean_console(browser, "/profile/")

    two_factor.find_element(By.LINK_TEXT, "Включить").click()
    wait_for_path(browser, "/profile/2fa/enable")
    secret = browser.find_element(By.ID, "totp-secret").text.strip()
    assert len(secret) >= 16 and secret.isalnum(), secret
    qr = browser.find_element(By.CSS_SELECTOR, ".qr-box img")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert browser.execute_script("return arguments[0].naturalWidth", qr) > 0, "QR not rendered"
    screenshot(browser, "desktop-enrol")
    assert_clean_console(browser, "/profile/2fa/enable")
    return secret


def test_receptionist_enrols_in_totp_from_the_profile(browser, live_server, cli_user):
    user = cli_user("receptionist")
    base = live_server.url
    secret = open_enrolment_from_the_profile(browser, base, user)

    type_into(browser, "code", totp_code(secret))
    submit(browser)
    wait_until(browser, lambda d: d.find_elements(By.ID, "recovery-codes"), "the recovery codes")
    assert heading(browser) == "Коды восстановления"
    codes = [li.text.strip() for li in browser.find_elements(By.CSS_SELECTOR, "#recovery-codes li")]
    assert len(codes) == 10 and len(set(codes)) == 10 and all(codes), codes
    screenshot(browser, "desktop-recovery-codes")
    assert_clean_console(browser, "recovery codes")

    # 2FA is on now: the next sign-in asks for a code (a recovery code does, once).
    browser.find_element(By.LINK_TEXT, "Я сохранил коды").click()
    wait_for_path(browser, "/profile/")
    assert "Включена" in browser.find_element(By.ID, "two-factor").text
    log_out_through_user_menu(browser)
    sign_in_with_password(browser, base, user.email, user.password)
    wait_for_path(browser, "/login/2fa")
    type_into(browser, "code", codes[0])
    submit(browser)
    wait_for_path(browser, "/desk/")  # the front desk's day starts on «Сегодня»
    assert_clean_console(browser, "/desk/ after the recovery code")


def test_pages_at_phone_width(phone_browser, live_server, cli_user):
    """Login, 2FA, home and profile on a phone: screenshots, no horizontal scrolling."""
    secret = pyotp.random_base32()
    # A patient: `/` leads to the cabinet's chat.
    user = cli_user("patient", totp_secret=secret, full_name="Телефонов Пётр Андреевич")
    base = live_server.url
    browser = phone_browser

    def fits_the_screen(page: str) -> None:
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page} scrolls sideways by {overflow}px on a phone"

    open_page(browser, base, "/login")
    assert browser.execute_script("return window.innerWidth") == 390
    screenshot(browser, "phone-login")
    fits_the_screen("/login")
    assert_clean_console(browser, "/login")

    sign_in_with_password(browser, base, user.email, user.password)
    wait_for_path(browser, "/login/2fa")
    screenshot(browser, "phone-2fa")
    fits_the_screen("/login/2fa")
    assert_clean_console(browser, "/login/2fa")

    enter_totp(browser, secret)
    wait_for_path(browser, "/cabinet/chat")
    assert user.full_name in browser.page_source
    screenshot(browser, "phone-home")
    fits_the_screen("/cabinet/chat")
    assert_clean_console(browser, "/cabinet/chat")

    open_page(browser, base, "/profile/")
    screenshot(browser, "phone-profile")
    fits_the_screen("/profile/")
    assert_clean_console(browser, "/profile/")

    log_out_through_user_menu(browser, shot="phone-user-menu")
    assert heading(browser) == "Вход в систему"


def test_login_page_at_desktop_width(browser, live_server):
    open_page(browser, live_server.url, "/login")
    assert heading(browser) == "Вход в систему"
    assert browser.find_element(By.NAME, "login").get_attribute("autocomplete") == "username"
    screenshot(browser, "desktop-login")
    assert_clean_console(browser, "/login")
