"""Every page on a phone (390×844): no sideways scrolling, and a menu with every section.

The pages are not listed here: they are found. For each staff role the test signs in
through the real login, opens every GET route of the app that takes no argument and
answers with a whole page, then follows the links those pages show to the routes that do
take one (an employee's card, a branch, a service, a patient…), one link per route.
A page a feature adds later is covered the day it lands. On each page the test
measures `scrollWidth` against the window and, when it is wider, names the elements that
stick out; it opens «Меню» and checks that every section the role may open is in it.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pyotp
import pytest
import requests
from flask import url_for
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from clinicapp.core.navigation import menu_for
from clinicapp.core.permissions import ROLE_PERMISSIONS
from clinicapp.seed import DEMO_PASSWORD
from clinicapp.web import landing_endpoint

from .conftest import screenshot
from .test_login_browser import (
    assert_clean_console,
    enter_totp,
    sign_in_with_password,
    wait_for_path,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.live]

# The demo accounts of the seed; the administrator is made per run (its own TOTP secret,
# so no other test's code step is in the way).
DEMO_STAFF = {"manager": "manager@clinic.test", "receptionist": "reception@clinic.test",
              "cashier": "cashier@clinic.test", "doctor": "doctor@clinic.test"}
# Not pages of the staff interface: the JSON API and its documentation viewers, sockets,
# files.
SKIPPED_PREFIXES = ("/api/", "/ws/", "/static/", "/uploads/", "/socket.io")
SKIPPED_ENDPOINTS = {"static", "main.docs", "favicon"}
# More than enough for today's app; a guard against a crawl that never ends.
MAX_PAGES_PER_ROLE = 80

# The elements that make the page wider than the window: those whose right edge is past
# it, outside any box that scrolls or clips by itself, and whose parent is not already
# past it (the outermost culprit, not each of its ancestors). Widest first.
OVERFLOWING = """
const limit = window.innerWidth;
function clipped(el) {
  for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
    const style = getComputedStyle(up);
    if (style.overflowX !== 'visible' || style.position === 'fixed') return true;
  }
  return false;
}
function describe(el) {
  const parts = [];
  for (let node = el; node && node !== document.body && parts.length < 5;
       node = node.parentElement) {
    let part = node.tagName.toLowerCase();
    if (node.id) { parts.unshift(part + '#' + node.id); break; }
    if (node.classList.length) part += '.' + Array.from(node.classList).slice(0, 2).join('.');
    parts.unshift(part);
  }
  return parts.join(' > ');
}
const found = [];
for (const el of document.body.querySelectorAll('*')) {
  const rect = el.getBoundingClientRect();
  if (rect.right <= limit + 0.5 || rect.width === 0 || clipped(el)) continue;
  const parent = el.parentElement;
  if (parent && parent !== document.body && parent.getBoundingClientRect().right > limit + 0.5
      && !clipped(parent)) continue;
  found.push({element: describe(el), right: Math.round(rect.right),
              width: Math.round(rect.width),
              text: (el.innerText || '').trim().slice(0, 60)});
}
found.sort((a, b) => b.right - a.right);
return found.slice(0, 5);
"""


# A route with arguments whose links led to no page this many times is given up.
TRIES_PER_ROUTE = 3


@dataclass
class Crawl:
    """What one role opens: the pages to visit, those visited, the routes with
    arguments already followed (one page each) or given up."""

    base: str
    http: requests.Session
    adapter: object
    queue: list[str] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    followed: set[str] = field(default_factory=set)
    tries: Counter = field(default_factory=Counter)

    def is_page(self, path: str) -> bool:
        """Whether `path` answers the signed-in user with a whole page of the staff
        interface (not a fragment, a file, a refusal or a redirect elsewhere)."""
        response = self.http.get(self.base + path, allow_redirects=False, timeout=30)
        return (response.status_code == 200
                and response.headers.get("Content-Type", "").startswith("text/html")
                and 'id="main"' in response.text)

    def endpoint_with_arguments(self, path: str) -> str | None:
        """The endpoint of `path` when it is a route with arguments still to follow."""
        if path.startswith(SKIPPED_PREFIXES):
            return None
        try:
            endpoint, arguments = self.adapter.match(path, method="GET")
        except (HTTPException, RequestRedirect):
            return None
        if not arguments or endpoint in self.followed or endpoint in SKIPPED_ENDPOINTS \
                or self.tries[endpoint] >= TRIES_PER_ROUTE:
            return None
        return endpoint

    def follow_links(self, driver) -> None:
        """Queue the page's same-site links to routes with arguments, one per route."""
        for href in driver.execute_script(
                "return Array.from(document.querySelectorAll('a[href]'), a => a.href)"):
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != self.base:
                continue
            endpoint = self.endpoint_with_arguments(parts.path)
            if endpoint is None:
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if self.is_page(path):
                self.followed.add(endpoint)
                self.queue.append(path)
            else:
                self.tries[endpoint] += 1


def _page_paths(app) -> list[str]:
    """Every GET route that takes no argument, minus the API, sockets and files."""
    with app.test_request_context():
        paths = {url_for(rule.endpoint) for rule in app.url_map.iter_rules()
                 if "GET" in rule.methods and not rule.arguments
                 and rule.endpoint not in SKIPPED_ENDPOINTS
                 and not rule.rule.startswith(SKIPPED_PREFIXES)}
    return sorted(paths)


def _expected_sections(app, role: str) -> list[str]:
    """The menu's paths for `role`: every entry its permissions allow («Главная» left out
    where `/` only leads to another entry: web._navigation)."""
    granted = ROLE_PERMISSIONS[role]
    with app.test_request_context():
        entries = menu_for(app, lambda permission: permission is None or "*" in granted
                           or permission in granted)
        landing = landing_endpoint(role)
        if any(entry.endpoint == landing for entry in entries):
            entries = [entry for entry in entries if entry.endpoint != "main.home"]
        return [url_for(entry.endpoint) for entry in entries]


def landing_of(app, role: str) -> str | None:
    with app.app_context():
        return landing_endpoint(role)


def _http_session(driver) -> requests.Session:
    """The browser's cookies in a `requests` session: to look at a route before opening it."""
    http = requests.Session()
    for cookie in driver.get_cookies():
        http.cookies.set(cookie["name"], cookie["value"])
    return http


def _open(driver, base: str, path: str) -> None:
    driver.get(base + path)
    wait_until(driver, lambda d: d.execute_script("return document.readyState") == "complete"
               and urlsplit(d.current_url).path == urlsplit(path).path, f"page {path}")


def assert_fits_the_phone(driver, role: str, path: str) -> None:
    """No sideways scrolling; else name the elements that stick out."""
    sizes = driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    if sizes[0] <= sizes[1]:
        return
    culprits = driver.execute_script(OVERFLOWING)
    shot = screenshot(driver, f"overflow-{role}-{path.strip('/').replace('/', '-') or 'home'}")
    lines = [f"  {c['element']}: right edge at {c['right']}px, {c['width']}px wide"
             + (f" («{c['text']}»)" if c["text"] else "") for c in culprits]
    pytest.fail(f"{path} scrolls sideways for the {role} at 390 px: the page is {sizes[0]}px "
                f"wide in a {sizes[1]}px window (screenshot {shot}). What sticks out:\n"
                + ("\n".join(lines) or "  (no single element: a margin or a pseudo-element)"))


def assert_menu_lists(driver, role: str, path: str, sections: list[str]) -> None:
    """«Меню» opens a panel where every section of the role is a visible link.

    Pages of a single step (the sign-in card, 2FA enrolment) have no navigation at all.
    """
    if not driver.find_elements(By.CSS_SELECTOR, "header.topnav"):
        return
    toggle = driver.find_element(By.CSS_SELECTOR, ".nav-menu > summary")
    assert toggle.is_displayed(), f"no menu button on {path} at 390 px"
    assert not driver.find_element(By.CSS_SELECTOR, ".topnav-strip").is_displayed(), \
        f"the desktop strip of sections is still shown on {path} at 390 px"
    toggle.click()
    wait_until(driver, lambda d: toggle.get_attribute("aria-expanded") == "true",
               "an open menu (aria-expanded)", 5)
    shown = {urlsplit(link.get_attribute("href")).path
             for link in driver.find_elements(By.CSS_SELECTOR, "#nav-menu-panel a")
             if link.is_displayed()}
    missing = [section for section in sections if section not in shown]
    assert not missing, f"the menu on {path} lacks {missing} for the {role}"
    if path == "/":
        screenshot(driver, f"phone-menu-{role}")
    assert_fits_the_phone(driver, role, path + " (menu open)")
    toggle.click()
    wait_until(driver, lambda d: toggle.get_attribute("aria-expanded") == "false",
               "the menu closed again", 5)


FOLDED = """
return Array.from(document.querySelectorAll('table.table-cards'), table => {
  const row = table.querySelector('tbody tr');
  const cell = table.querySelector('tbody td[data-label]');
  if (!cell) return null;  // only the «nothing here» row: no card to fold
  return {table: table.closest('[id]') ? table.closest('[id]').id : table.className,
          row: row ? getComputedStyle(row).display : 'block',
          head: table.tHead ? getComputedStyle(table.tHead).position : 'absolute',
          label: cell ? getComputedStyle(cell, '::before').content : 'none'};
});
"""


def assert_tables_fold(driver, path: str) -> None:
    """Each `.table-cards` table is a stack of cards: rows are blocks, the header is
    out of sight, a cell shows its column's name before the value."""
    for table in filter(None, driver.execute_script(FOLDED)):
        assert table["row"] == "block" and table["head"] == "absolute" \
            and table["label"] not in ("none", "normal"), f"{path}: {table} is not folded"


def _sign_in(driver, base: str, role: str, cli_user) -> None:
    driver.delete_all_cookies()
    if role == "admin":
        secret = pyotp.random_base32()
        admin = cli_user("admin", totp_secret=secret, full_name="Узкоэкранова Анна Сергеевна")
        sign_in_with_password(driver, base, admin.email, admin.password)
        wait_for_path(driver, "/login/2fa")
        enter_totp(driver, secret)
    else:
        sign_in_with_password(driver, base, DEMO_STAFF[role], DEMO_PASSWORD)
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "details.user-menu"),
               f"the {role} signed in")


@pytest.mark.parametrize("role", ["admin", "manager", "receptionist", "cashier", "doctor"])
def test_every_page_fits_a_phone(phone_browser, live_server, cli_user, app, role):
    browser, base = phone_browser, live_server.url
    _sign_in(browser, base, role, cli_user)
    crawl = Crawl(base=base, http=_http_session(browser), adapter=app.url_map.bind("localhost"))
    crawl.queue = [path for path in _page_paths(app) if crawl.is_page(path)]
    sections = _expected_sections(app, role)
    # `/` of a role with a landing page redirects there (tests/visits/test_landing.py).
    pages = set(crawl.queue) | ({"/"} if landing_of(app, role) else set())
    assert set(sections) <= pages, "a menu section is not a page of its own"

    while crawl.queue:
        path = crawl.queue.pop(0)
        if path in crawl.visited:
            continue
        crawl.visited.add(path)
        assert len(crawl.visited) <= MAX_PAGES_PER_ROLE, "the crawl does not end"
        _open(browser, base, path)
        assert_fits_the_phone(browser, role, path)
        screenshot(browser, f"phone-{role}-" + (path.strip("/").replace("/", "-") or "home"))
        assert_menu_lists(browser, role, path, sections)
        assert_tables_fold(browser, path)
        assert_clean_console(browser, path)
        crawl.follow_links(browser)
    # The sub-pages were reached too, not only the sections.
    assert crawl.followed, sorted(crawl.visited)


def _folded_tables(driver) -> set[str]:
    return {table["table"] for table in driver.execute_script(FOLDED)}


def test_users_staff_and_sessions_tables_are_cards_on_a_phone(phone_browser, live_server,
                                                               cli_user):
    browser, base = phone_browser, live_server.url
    _sign_in(browser, base, "admin", cli_user)
    for path, holder in (("/admin/users", "users-table"), ("/staff/", "staff-table"),
                         ("/profile/", "sessions")):
        _open(browser, base, path)
        assert holder in _folded_tables(browser), f"{path}: no cards in #{holder}"
        assert_tables_fold(browser, path)
        label = browser.execute_script(
            "return getComputedStyle(arguments[0], '::before').content",
            browser.find_element(By.CSS_SELECTOR, f"#{holder} tbody td[data-label]"))
        assert label.endswith(': "'), label
        screenshot(browser, f"phone-cards-{holder}")


def test_the_menu_answers_the_keyboard(phone_browser, live_server):
    """Enter opens «Меню» (aria-expanded true), Escape closes it and the focus returns to
    the button; a click outside closes it too; only one menu is open at a time."""
    browser, base = phone_browser, live_server.url
    _sign_in(browser, base, "doctor", None)
    toggle = browser.find_element(By.CSS_SELECTOR, ".nav-menu > summary")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == "nav-menu-panel"
    browser.execute_script("arguments[0].focus()", toggle)
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait_until(browser, lambda d: toggle.get_attribute("aria-expanded") == "true", "open menu")
    assert browser.find_element(By.ID, "nav-menu-panel").is_displayed()

    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    wait_until(browser, lambda d: toggle.get_attribute("aria-expanded") == "false",
               "menu closed by Escape")
    assert not browser.find_element(By.ID, "nav-menu-panel").is_displayed()
    assert browser.switch_to.active_element == toggle

    toggle.click()
    user_menu = browser.find_element(By.CSS_SELECTOR, ".user-menu > summary")
    user_menu.click()  # the other menu: the sections close
    wait_until(browser, lambda d: toggle.get_attribute("aria-expanded") == "false"
               and user_menu.get_attribute("aria-expanded") == "true", "one menu open")
    # The screen's lower left corner, under no menu (the page may be taller than the screen).
    click = ActionBuilder(browser)
    click.pointer_action.move_to_location(8, browser.execute_script("return innerHeight") - 8)
    click.pointer_action.click()
    click.perform()
    wait_until(browser, lambda d: user_menu.get_attribute("aria-expanded") == "false",
               "menu closed by a click outside")
