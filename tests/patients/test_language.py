"""The patients' pages in two languages: the patient's own notification language (form,
card, service), the invitation written in that language whatever the page's, the pages
and their messages in English, and the API that stays Russian."""
from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from clinicapp.core.errors import ValidationFailed
from clinicapp.extensions import db
from clinicapp.patients.fields import clean_fields
from clinicapp.patients.models import Patient
from tests.conftest import csrf_token
from tests.org.test_english import CYRILLIC, EN, main_part

from .test_api import URL as API_URL
from .test_api import example
from .test_pages import form_data, html


def field_errors(page: str) -> list[str]:
    return [unescape(text) for text in re.findall(r'<div class="field-error">([^<]*)</div>', page)]


def selected_option(page: str, name: str) -> str:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected',
                     select).group(0)


# --- the patient's language -----------------------------------------------------------------

def test_the_form_offers_the_clinic_default_and_each_interface_language(client, signed_in):
    signed_in("receptionist")
    page = html(client.get("/patients/new"))
    select = re.search(r'<select[^>]*name="language"[^>]*>(.*?)</select>', page, re.S).group(1)
    options = re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select)
    assert options == [("", "Как в клинике (Русский)"), ("ru", "Русский"),
                       ("en", "Английский")]
    assert "Язык уведомлений" in page


def test_the_language_is_stored_shown_on_the_card_and_cleared(client, signed_in):
    signed_in("receptionist")
    page = html(client.get("/patients/new"))
    response = client.post("/patients/new", data=form_data(page, language="en"))
    assert response.status_code == 302, html(response)
    patient = db.session.scalar(db.select(Patient).where(Patient.last_name == "Нурланова"))
    assert patient.language == "en"
    card = html(client.get(response.location))
    assert re.search(r'<dd id="patient-language">Английский</dd>', card)

    edit = html(client.get(f"/patients/{patient.id}/edit"))
    assert 'value="en" selected' in edit or 'selected value="en"' in edit
    response = client.post(f"/patients/{patient.id}/edit", data=form_data(edit, language=""))
    assert response.status_code == 302, html(response)
    db.session.refresh(patient)
    assert patient.language is None
    card = html(client.get(f"/patients/{patient.id}"))
    assert '<dd id="patient-language">как в клинике (Русский)</dd>' in card


def test_an_unknown_language_is_refused_by_the_form(client, signed_in):
    signed_in("receptionist")
    page = html(client.get("/patients/new"))
    response = client.post("/patients/new", data=form_data(page, language="xx"))
    assert response.status_code == 400
    assert field_errors(html(response))
    assert db.session.scalar(db.select(db.func.count()).select_from(Patient)) == 0


@pytest.mark.parametrize("value, stored", [("en", "en"), (" EN ", "en"), ("", None),
                                           (None, None), ("ru", "ru")])
def test_the_service_keeps_a_language_the_interface_speaks(app, value, stored):
    values = clean_fields({"language": value}, partial=True)
    assert values["language"] == stored


@pytest.mark.parametrize("value", ["de", "xx", 5, ["en"]])
def test_the_service_names_a_language_it_does_not_speak(app, value):
    with pytest.raises(ValidationFailed) as refused:
        clean_fields({"language": value}, partial=True)
    assert refused.value.details["language"] == [
        "Неизвестный язык: ожидается один из ru, en"]


# --- the invitation, in the patient's language ----------------------------------------------

def invite(client, patient, headers=None) -> str:
    page = html(client.get(f"/patients/{patient.id}", headers=headers))
    response = client.post(f"/patients/{patient.id}/invite", headers=headers,
                           data={"csrf_token": csrf_token(page), "email": ""})
    assert response.status_code == 200, html(response)
    return html(response)


def invitation_of(page: str) -> tuple[str, str]:
    message = re.search(r'<textarea id="invitation-message"[^>]*>(.*?)</textarea>', page, re.S)
    password = re.search(r'id="one-time-password"[^>]*>([^<]+)<', page).group(1)
    return unescape(message.group(1)), password


def test_the_invitation_is_written_in_the_patients_language_on_a_russian_page(
        client, signed_in, make_patient, organization):
    signed_in("receptionist")
    patient = make_patient(last_name="Brown", first_name="Alice", email="alice@example.com",
                           language="en")
    page = invite(client, patient)
    assert "Пациент приглашён в личный кабинет" in page  # the page stays Russian
    message, password = invitation_of(page)
    assert message.startswith("Hello Alice,")
    assert f"One-time password: {password}" in message
    assert "Login: alice@example.com" in message and "/login" in message
    assert not CYRILLIC.search(message.replace(organization.name, ""))
    assert "Сообщение пациенту (Английский)" in page


def test_the_invitation_is_in_the_clinic_language_when_the_patient_chose_none(
        client, signed_in, make_patient):
    signed_in("receptionist")
    patient = make_patient(first_name="Асель", email="asel@example.com")
    page = invite(client, patient, headers=EN)
    assert "Patient invited to the patient portal" in page  # the page is English
    message, password = invitation_of(page)
    assert message.startswith("Здравствуйте, Асель!")
    assert f"Одноразовый пароль: {password}" in message
    assert "Message for the patient (Russian)" in page


# --- the pages in English -------------------------------------------------------------------

@pytest.fixture
def latin_patient(make_patient, branches):
    return make_patient(last_name="Brown", first_name="Alice", birth_date=date(1990, 5, 15),
                        sex="F", phone="+77012345678", email="alice@example.com",
                        document_type="Паспорт РФ", document_number="4510 123456",
                        clinic_id=branches[0].id)


def test_the_list_card_and_form_read_in_english(client, signed_in, latin_patient):
    signed_in("receptionist")
    pages = {url: html(client.get(url, headers=EN)) for url in (
        "/patients/", "/patients/?q=zzz", f"/patients/{latin_patient.id}",
        f"/patients/{latin_patient.id}/edit", "/patients/new")}
    for url, page in pages.items():
        assert not CYRILLIC.findall(main_part(page).replace("Филиал на Тверской", "")), url
    listing, empty, card = (pages["/patients/"], pages["/patients/?q=zzz"],
                            pages[f"/patients/{latin_patient.id}"])
    assert "Total patients: 1" in listing and "May 15, 1990" in listing
    assert 'data-label="Date of birth"' in listing
    assert "No patients match “zzz”" in unescape(empty)
    assert "Russian passport" in card and "female" in card and "not given" in card
    assert "clinic default (Russian)" in card


def test_a_document_type_keeps_its_stored_name_through_the_english_form(
        client, signed_in, latin_patient):
    signed_in("receptionist")
    edit = html(client.get(f"/patients/{latin_patient.id}/edit", headers=EN))
    assert "passport-ru" in selected_option(edit, "document_type")
    response = client.post(f"/patients/{latin_patient.id}/edit", headers=EN,
                           data=form_data(edit, last_name="Brown", first_name="Alice",
                                          document_type="passport-ru", phone="+77012345678"))
    assert response.status_code == 302, html(response)
    db.session.refresh(latin_patient)
    assert latin_patient.document_type == "Паспорт РФ"


def test_a_document_type_written_freely_by_the_api_stays_on_offer(client, signed_in,
                                                                  make_patient):
    signed_in("receptionist")
    patient = make_patient(document_type="ID card")
    edit = html(client.get(f"/patients/{patient.id}/edit"))
    assert 'value="ID card"' in selected_option(edit, "document_type")
    response = client.post(f"/patients/{patient.id}/edit", data=form_data(
        edit, last_name=patient.last_name, first_name=patient.first_name, phone="",
        document_type="ID card"))
    assert response.status_code == 302, html(response)
    db.session.refresh(patient)
    assert patient.document_type == "ID card"


def test_messages_of_the_form_and_the_service_are_english(client, signed_in):
    signed_in("receptionist")
    page = html(client.get("/patients/new", headers=EN))
    refused = client.post("/patients/new", headers=EN, data=form_data(
        page, last_name="", birth_date="2999-01-01", email="not-an-address"))
    assert refused.status_code == 400
    assert field_errors(html(refused)) == ["This field is required"]
    refused = client.post("/patients/new", headers=EN, data=form_data(
        page, birth_date="2999-01-01", email="not-an-address"))
    assert set(field_errors(html(refused))) == {"The date of birth cannot be in the future",
                                                "Invalid email address"}
    created = client.post("/patients/new", headers=EN, data=form_data(
        page, last_name="Brown", first_name="Alice"))
    assert created.status_code == 302
    card = html(client.get(created.location, headers=EN))
    assert "Patient Brown Alice registered" in card


def test_a_duplicate_is_explained_in_english(client, signed_in, make_patient):
    signed_in("receptionist")
    make_patient(last_name="Brown", first_name="Alice", phone="+77011234567")
    page = html(client.get("/patients/new", headers=EN))
    response = client.post("/patients/new", headers=EN, data=form_data(page))
    assert response.status_code == 409
    shown = html(response)
    assert "This patient may already be registered" in shown and "Create anyway" in shown


def test_the_api_stays_russian_whatever_the_device_says(client, token_for, organization):
    headers = {**token_for("receptionist"), **EN}
    response = client.post(API_URL, json=example(organization, phone="12345",
                                                 birth_date="2999-01-01"), headers=headers)
    assert response.status_code == 400
    body = response.get_json()
    assert "Неверный" in body["details"]["phone"][0]
    assert body["details"]["birth_date"] == ["Дата рождения не может быть в будущем"]
