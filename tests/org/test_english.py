"""The clinic settings in English: pages, weekdays, numbers and zones in the reader's
language, form and refusal messages translated, the flash after saving; the API keeps
Russian whatever the device says."""
from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest

from clinicapp.extensions import db
from clinicapp.org.hours import week_rows
from clinicapp.org.models import Clinic, Organization
from tests.conftest import csrf_token
from tests.org.test_pages import NEW_BRANCH, SETTINGS, branch_form, errors_of, post_form

EN = {"Accept-Language": "en"}
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def main_part(page: str) -> str:
    """The page's own content: the layout around it (menu, footer) belongs to the shell."""
    return page.split("<main", 1)[1].split("</main>", 1)[0]


@pytest.fixture
def latin(app):
    """An organization and branches whose data is all Latin letters."""
    organization = Organization(name="Northwind Health LLC", inn="7707083893",
                                legal_address="1 High Street", email="office@northwind.test")
    central = Clinic(organization=organization, name="Northwind Central",
                     address="1 High Street", rating=Decimal("4.7"),
                     opening_hours={"mon": [["09:00", "14:00"], ["15:00", "20:00"]]})
    closed = Clinic(organization=organization, name="Northwind Old Town", is_active=False)
    db.session.add_all([organization, central, closed])
    db.session.commit()
    return central


def get(client, url: str) -> str:
    response = client.get(url, headers=EN)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["admin", "receptionist"])
def test_the_settings_read_in_english(client, web_as, latin, role):
    web_as(role, [latin])
    pages = {url: get(client, url) for url in (SETTINGS, f"/settings/branches/{latin.id}")}
    if role == "admin":
        pages[NEW_BRANCH] = get(client, NEW_BRANCH)
    for url, page in pages.items():
        assert not CYRILLIC.findall(main_part(page)), (url, CYRILLIC.findall(main_part(page)))
    settings = pages[SETTINGS]
    assert "Company details" in settings and "Branches" in settings
    assert '<td class="num" data-label="Rating">4.7</td>' in settings
    assert "Moscow, UTC+3" in settings and "Northwind Central" in settings


def test_a_branch_s_week_is_named_in_the_reader_s_language(client, web_as, latin):
    web_as("receptionist", [latin])
    page = get(client, f"/settings/branches/{latin.id}")
    assert "<dt>Monday</dt><dd>09:00–14:00, 15:00–20:00</dd>" in page
    assert "<dt>Sunday</dt><dd>closed</dd>" in page
    assert "Only an administrator can change branch details." in page
    russian = client.get(f"/settings/branches/{latin.id}").get_data(as_text=True)
    assert "<dt>Понедельник</dt>" in russian and "<dt>Воскресенье</dt><dd>выходной</dd>" in russian


def test_week_rows_outside_a_request_use_the_clinic_language(app):
    assert week_rows({})[0] == ("Понедельник", "выходной")
    # A context of its own, as each request has (the tests keep one open throughout).
    with app.app_context(), app.test_request_context(headers=EN):
        assert week_rows({"sun": [["10:00", "16:00"]]})[6] == ("Sunday", "10:00–16:00")


def test_the_branch_form_labels_its_days_in_english(client, web_as, latin):
    web_as("admin")
    page = get(client, NEW_BRANCH)
    assert re.search(r'<label for="hours_mon"[^>]*>Monday</label>', page)
    assert 'placeholder="closed"' in page
    assert '<optgroup label="Common">' in page and "All time zones" in page


@pytest.mark.parametrize("changes, message", [
    ({"name": ""}, "This field is required"),
    ({"name": "Northwind Central"}, "A branch with this name already exists"),
    ({"name": "x" * 300}, "At most 255 characters"),
    ({"rating": "5,5"}, "The rating must be from 0 to 5"),
    ({"rating": "4.75"}, "One decimal place at most"),
    ({"latitude": "91"}, "From −90 to 90"),
    ({"longitude": ""}, "Enter both coordinates or neither"),
    ({"timezone": "Mars/Olympus"}, "Unknown time zone (expected something like Europe/Moscow)"),
    ({"hours_mon": "21:00-09:00"}, "21:00–09:00: the end must be later than the start"),
    ({"hours_wed": "9-18"}, "“9” is not a time in HH:MM format"),
    ({"hours_fri": "09:00-14:00, 13:00-18:00"}, "The ranges overlap"),
    ({"hours_sat": "1-2-3"}, "“1-2-3”: enter a range such as 09:00–18:00"),
])
def test_branch_form_messages_are_english(client, web_as, latin, changes, message):
    web_as("admin")
    response = client.post(NEW_BRANCH, headers=EN, data={
        "csrf_token": csrf_token(get(client, NEW_BRANCH)), **branch_form(**changes)})
    assert response.status_code == 400
    assert [unescape(text) for text in errors_of(response.get_data(as_text=True))] == [message]


def test_requisites_messages_and_the_flash_are_english(client, web_as, latin):
    web_as("admin")
    data = {"csrf_token": csrf_token(get(client, SETTINGS)), "name": "Northwind Health LLC", "inn": "7707083894",
            "kpp": "12", "email": "nope", "timezone": "Europe/Moscow",
            "settlement_account": "123"}
    refused = client.post(SETTINGS, data=data, headers=EN)
    assert refused.status_code == 400
    assert set(errors_of(refused.get_data(as_text=True))) == {
        "Invalid INN: the check digit does not match",
        "The KPP is 9 digits (the 5th and 6th may be Latin capital letters)",
        "Invalid email address", "The settlement account must be 20 digits"}
    saved = client.post(SETTINGS, headers=EN, data={**data, "inn": "7707083893", "kpp": "",
                                                    "email": "", "settlement_account": ""})
    assert saved.status_code == 302
    assert "Company details saved" in get(client, SETTINGS)


def test_a_refusal_of_the_page_is_english(client, web_as, latin):
    web_as("manager", [latin])
    page = get(client, f"/settings/branches/{latin.id}")
    response = client.post(f"/settings/branches/{latin.id}", headers=EN,
                           data={"csrf_token": csrf_token(page), **branch_form()})
    assert response.status_code == 403
    assert "Only an administrator can change company details and branches" in \
        response.get_data(as_text=True)


def test_the_api_answers_in_russian_whatever_the_device_says(client, latin):
    response = client.get("/api/v1/clinics/999999", headers=EN)
    assert response.status_code == 404
    assert response.get_json()["detail"] == "Клиника не найдена"
    response = client.get("/api/v1/clinics", headers=EN, query_string={"limit": "x"})
    assert CYRILLIC.search(str(response.get_json()))


def test_post_form_helper_still_speaks_russian_by_default(client, web_as, latin):
    # The same refusal as above, for a reader who chose nothing: Russian, the default.
    web_as("admin")
    response = post_form(client, NEW_BRANCH, branch_form(name=""))
    assert errors_of(response.get_data(as_text=True)) == ["Обязательное поле"]
