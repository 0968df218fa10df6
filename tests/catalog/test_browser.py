"""The price list in Debian's headless chromium: a clean console (CSP), drag and drop
of categories (reorder, and a refused move into the category's own subcategory), the
search as you type, the service form's doctor picker (filter, select the shown, count,
keyboard), screenshots at desktop and phone width in /tmp/clinicapp-shots/.
"""
from __future__ import annotations

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

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


# --- the search and the doctor picker ----------------------------------------------------

def shown_names(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#catalog-tree .col-name a'))"
        ".map(function (a) { return a.textContent; })")


def test_search_as_you_type_and_folds_that_come_back(browser, live_server, cli_user):
    sign_in(browser, live_server, cli_user("manager"))
    all_services = len(shown_names(browser))
    assert all_services > 50
    fold_all(browser)  # remembered: the whole tree folded
    box = browser.find_element(By.ID, "catalog-q")
    box.send_keys("ПРИЁМ")  # capitals and ё: the demo list writes «Приём»
    wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#catalog-tree[data-search]")
               and 0 < len(shown_names(d)) < all_services, "the search results")
    names = shown_names(browser)
    assert all("при" in name.lower() for name in names), names
    # Every match is visible: its categories opened although the tree was folded.
    hidden = browser.execute_script(
        "return Array.from(document.querySelectorAll('#catalog-tree .col-name a'))"
        ".filter(function (a) { return !a.offsetParent; }).length")
    assert hidden == 0
    assert "q=" in browser.current_url  # the address can be shared or reloaded
    screenshot(browser, "catalog-search-desktop")
    box.clear()
    box.send_keys(Keys.SPACE, Keys.BACK_SPACE)  # an emptied box asks again
    wait_until(browser, lambda d: not d.find_elements(
        By.CSS_SELECTOR, "#catalog-tree[data-search]"), "the whole list")
    assert len(shown_names(browser)) == all_services
    # The folds made before the search are back.
    assert browser.execute_script(
        "return document.querySelectorAll('#catalog-tree details[data-category][open]').length"
    ) == 0
    assert_clean_console(browser, "/catalog/ search")


def doctor_items(driver) -> list[dict]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#doctors [data-picker-item]'))"
        ".map(function (li) { var box = li.querySelector('input');"
        " return {text: li.textContent.trim(), shown: !li.hidden, checked: box.checked,"
        " focused: document.activeElement === box}; })")


def chosen_count(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "#doctors [data-picker-count]").text


def test_the_doctor_picker(browser, live_server, cli_user):
    sign_in(browser, live_server, cli_user("manager"))
    open_page(browser, live_server.url, "/catalog/services/new")
    wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#doctors[data-picker-ready]"),
               "the picker's script")
    doctors = browser.find_element(By.ID, "doctors")
    search = doctors.find_element(By.CSS_SELECTOR, "[data-picker-filter]")
    assert search.is_displayed() and chosen_count(browser) == "0"
    total = len(doctor_items(browser))
    assert total >= 10

    search.send_keys("СТОМАТОЛОГ")
    shown = [item for item in doctor_items(browser) if item["shown"]]
    assert len(shown) == 2 and all("стоматолог" in item["text"].lower() for item in shown)
    doctors.find_element(By.CSS_SELECTOR, "[data-picker-all]").click()
    assert chosen_count(browser) == "2"
    assert [i["checked"] for i in doctor_items(browser)].count(True) == 2  # only the shown

    search.clear()
    search.send_keys("федорова")  # typed with е: the list says Фёдорова
    shown = [item for item in doctor_items(browser) if item["shown"]]
    assert [item["text"].split()[0] for item in shown] == ["Фёдорова"]
    search.send_keys(Keys.ENTER)  # choosing, not sending the form
    assert browser.current_url.endswith("/catalog/services/new")
    search.send_keys(Keys.ARROW_DOWN)
    assert [i["focused"] for i in doctor_items(browser) if i["shown"]] == [True]
    ActionChains(browser).send_keys(Keys.SPACE).perform()
    assert chosen_count(browser) == "3"
    ActionChains(browser).send_keys(Keys.ARROW_UP).perform()  # back to the filter
    assert browser.switch_to.active_element == search
    search.send_keys(Keys.ESCAPE)
    assert search.get_attribute("value") == "" and all(i["shown"] for i in doctor_items(browser))
    assert chosen_count(browser) == "3"  # nothing dropped by filtering

    search.send_keys("кузнецов")
    doctors.find_element(By.CSS_SELECTOR, "[data-picker-none]").click()
    assert chosen_count(browser) == "2"
    search.send_keys(Keys.ESCAPE)
    screenshot(browser, "catalog-doctor-picker")

    for name, value in (("code", "E2E.PICK.1"), ("name", "Осмотр из браузера"),
                        ("price", "1 500,50"), ("duration", "30")):
        browser.find_element(By.NAME, name).send_keys(value)
    browser.find_element(By.CSS_SELECTOR, ".form-actions .btn-primary").click()
    wait_for_path(browser, "/catalog/")
    browser.find_element(By.LINK_TEXT, "Осмотр из браузера").click()
    wait_until(browser, lambda d: "История цен" in d.page_source, "the new service")
    chosen = sorted(item["text"].split()[0] for item in doctor_items(browser) if item["checked"])
    assert chosen == ["Соколова", "Фёдорова"]
    assert chosen_count(browser) == "2"
    # In the browser's language (Accept-Language: headless chromium says en-US).
    assert browser.find_element(By.CSS_SELECTOR, ".price-history .col-price").text in (
        "1 500,50", "1,500.50")
    assert_clean_console(browser, "the service form with its pickers")
