"""The price list in Debian's headless chromium: a clean console (CSP), drag and drop
of categories (reorder, and a refused move into the category's own subcategory),
screenshots at desktop and phone width in /tmp/clinicapp-shots/.
"""
from __future__ import annotations

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from tests.e2e.conftest import console_errors, screenshot
from tests.e2e.test_login_browser import (
    assert_clean_console,
    open_page,
    sign_in_with_password,
    wait_for_landing,
    wait_for_path,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.live]


def sign_in(driver, live_server, user) -> None:
    sign_in_with_password(driver, live_server.url, user.email, user.password)
    wait_for_landing(driver)
    open_page(driver, live_server.url, "/catalog/")


def tree_text(driver) -> str:
    # One script call: the tree may be replaced between finding it and reading it.
    return driver.execute_script(
        "var tree = document.getElementById('catalog-tree'); return tree ? tree.innerText : ''")


def fold_all(driver) -> None:
    driver.find_element(By.CSS_SELECTOR, "[data-catalog-fold=close]").click()


def root_names(driver) -> list[str]:
    return [el.text for el in driver.find_elements(
        By.CSS_SELECTOR, "#catalog-tree > .cat-root > .cat > details > summary .cat-name")]


def category(driver, name: str):
    for item in driver.find_elements(By.CSS_SELECTOR, "#catalog-tree li.cat"):
        if item.find_element(By.CSS_SELECTOR, ".cat-name").text == name:
            return item
    raise AssertionError(f"no category {name}")


def drag(driver, handle, target, dy: int = 0) -> None:
    """Press on the handle, move in small steps onto `target` (+dy px from its centre),
    pausing as a hand would, and release."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", handle)
    actions = ActionChains(driver, duration=80)
    actions.move_to_element(handle).click_and_hold().pause(0.2)
    for step in (4, 8, 12):
        actions.move_by_offset(0, step).pause(0.05)
    for approach in (dy - 6, dy - 3, dy):
        actions.move_to_element_with_offset(target, 0, approach).pause(0.15)
    actions.pause(0.3).release().perform()


def test_manager_reorders_categories_by_drag_and_drop(browser, live_server, cli_user):
    sign_in(browser, live_server, cli_user("manager"))
    assert_clean_console(browser, "/catalog/")
    before = root_names(browser)
    assert before[:3] == ["Консультации", "Диагностика", "Стоматология"]
    screenshot(browser, "catalog-tree-desktop")
    fold_all(browser)

    moving = category(browser, "Кардиология")
    first = category(browser, "Консультации")
    summary = first.find_element(By.CSS_SELECTOR, "summary")
    drag(browser, moving.find_element(By.CSS_SELECTOR, ".cat-handle"), summary,
         dy=-summary.rect["height"] // 2 + 6)  # its upper edge: before it
    wait_until(browser, lambda d: "Категория «Кардиология» перенесена" in tree_text(d),
               "the moved notice")
    assert root_names(browser)[0] == "Кардиология"
    browser.refresh()
    wait_for_path(browser, "/catalog/")
    assert root_names(browser)[0] == "Кардиология"  # stored, not only shown
    assert_clean_console(browser, "/catalog/ after the move")

    browser.find_element(By.CSS_SELECTOR, "[data-catalog-fold=open]").click()
    browser.find_element(By.CSS_SELECTOR, "#catalog-tree .col-name a").click()
    wait_until(browser, lambda d: "История цен" in d.page_source, "the service page")
    screenshot(browser, "catalog-service-edit-desktop")
    open_page(browser, live_server.url, "/catalog/import")
    screenshot(browser, "catalog-import-desktop")
    assert_clean_console(browser, "the service and import pages")


def test_a_refused_move_shows_the_message_and_the_stored_tree(browser, live_server, cli_user):
    """The page is stale: meanwhile Неврология went under Педиатрия (through the API).
    Dropping Педиатрия into Неврология would now make a cycle: the server refuses, the
    message is shown and the tree is reloaded as stored."""
    user = cli_user("manager")
    sign_in(browser, live_server, user)
    fold_all(browser)
    pediatrics = category(browser, "Педиатрия")
    neurology = category(browser, "Неврология")
    token = requests.post(live_server.url + "/api/v1/auth/login", timeout=10, json={
        "username": user.email, "password": user.password}).json()["access"]
    moved = requests.patch(
        f"{live_server.url}/api/v1/services/categories/{neurology.get_attribute('data-id')}",
        json={"parent": int(pediatrics.get_attribute("data-id"))}, timeout=10,
        headers={"Authorization": f"Bearer {token}"})
    assert moved.status_code == 200, moved.text

    neurology.find_element(By.CSS_SELECTOR, ".cat-name").click()  # unfold it
    drag(browser, pediatrics.find_element(By.CSS_SELECTOR, ".cat-handle"),
         neurology.find_element(By.CSS_SELECTOR, ".cat-body > .cat-list"))
    wait_until(browser, lambda d: "в неё саму или в её подкатегорию" in tree_text(d),
               "the refusal")
    screenshot(browser, "catalog-move-refused")
    assert "Неврология" not in root_names(browser)  # the stored tree, not the stale one
    assert "Педиатрия" in root_names(browser)
    # The refusal itself is a 400 the browser logs; nothing else may be there.
    errors = [e["message"] for e in console_errors(browser)
              if not (e["source"] == "network" and "/move - " in e["message"] and "400" in
                      e["message"])]
    assert not errors, errors


def test_pages_at_phone_width(phone_browser, live_server, cli_user):
    sign_in(phone_browser, live_server, cli_user("manager"))
    width = phone_browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, f"the tree is {width}px wide on a 390px phone"
    screenshot(phone_browser, "catalog-tree-phone")
    phone_browser.find_element(By.LINK_TEXT, "Новая услуга").click()
    wait_for_path(phone_browser, "/catalog/services/new")
    assert phone_browser.execute_script("return document.documentElement.scrollWidth") <= 390
    screenshot(phone_browser, "catalog-service-new-phone")
    assert_clean_console(phone_browser, "/catalog/services/new")
