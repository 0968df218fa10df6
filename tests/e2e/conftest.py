"""Browser fixtures: Debian's headless chromium driven by selenium against `live_server`.

`browser` is a desktop window (1280×900), `phone_browser` a phone-sized one (390 wide);
each has a fresh profile, so no cookies leak between tests. Console messages are
recorded (goog:loggingPrefs) so a test can fail on JavaScript errors and CSP
violations. `make test` installs chromium and chromium-driver; without them the
browser tests are skipped with the reason.
"""
from __future__ import annotations

import base64
import os
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Outside the repository: the lead looks at them to polish the CSS.
SHOTS_DIR = Path(os.environ.get("CLINICAPP_SHOTS_DIR", "/tmp/clinicapp-shots"))
DESKTOP = (1280, 900)
PHONE = (390, 844)
CHROMIUM_ARGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
)


def _start_chromium(size: tuple[int, int], mobile: bool = False):
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.skip("Debian's chromium/chromium-driver not installed (missing "
                    + ", ".join(missing) + "); `make test` installs them with apt")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="clinicapp-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in CHROMIUM_ARGS:
        options.add_argument(argument)
    options.add_argument(f"--window-size={size[0]},{size[1]}")
    options.add_argument(f"--user-data-dir={profile}")
    # A Russian clinic's browser (Accept-Language decides a page's language until the
    # person chooses): the browser tests read the Russian words on screen.
    options.add_argument("--lang=ru-RU")
    options.add_experimental_option("prefs", {"intl.accept_languages": "ru-RU,ru"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    except Exception:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    driver.implicitly_wait(0)
    driver.set_page_load_timeout(30)
    if mobile:
        # Headless chromium will not make a window narrower than 500 px: emulate the phone
        # (viewport meta honoured, overlay scrollbars, 2× pixels like a real one).
        _emulate(driver, *size, mobile=True)
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
        driver.clinicapp_phone = size
    return driver, profile


def _window(size: tuple[int, int], mobile: bool = False):
    driver, profile = _start_chromium(size, mobile=mobile)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser(live_server):
    """A desktop-sized headless chromium (selenium WebDriver)."""
    yield from _window(DESKTOP)


@pytest.fixture
def second_browser(live_server):
    """Another desktop window with its own profile: a second desk, a second user."""
    yield from _window(DESKTOP)


@pytest.fixture
def phone_browser(live_server):
    """The same at a phone's width (390 CSS pixels)."""
    yield from _window(PHONE, mobile=True)


# --- helpers the tests use ---------------------------------------------------------

def console_errors(driver) -> list[dict]:
    """SEVERE console entries since the last call (favicon 404s aside).

    CSP violations of inline scripts or styles and uncaught JavaScript errors land here.
    """
    return [entry for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and "favicon" not in entry["message"]]


def _emulate(driver, width: int, height: int, mobile: bool) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1,
        "mobile": mobile})


def screenshot(driver, name: str) -> Path:
    """The whole page (not only the viewport) as SHOTS_DIR/<name>.png.

    The viewport is stretched to the page's height for the shot and then restored:
    more faithful than captureBeyondViewport, which sometimes leaves scrollable
    boxes below the fold blank.
    """
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SHOTS_DIR / f"{name}.png"
    mobile = getattr(driver, "clinicapp_phone", None)
    width, height = mobile or driver.execute_script(
        "return [window.innerWidth, window.innerHeight]")
    page_height = driver.execute_script("return document.documentElement.scrollHeight")
    scroll = driver.execute_script("return [window.scrollX, window.scrollY]")
    try:
        if page_height > height:
            _emulate(driver, width, page_height, bool(mobile))
            driver.execute_script("window.scrollTo(0, 0)")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        if page_height > height:
            if mobile:
                _emulate(driver, width, height, True)
            else:
                driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
            driver.execute_script("window.scrollTo(arguments[0], arguments[1])", *scroll)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
