"""Patient pages: the list with search-as-you-type, the form, the card, the invitation.

Signed in through the real login page; permissions per role, the htmx
fragment, CSRF, Russian validation messages, escaping of what people typed.
"""
from __future__ import annotations

import re
from datetime import date

import pytest

from clinicapp.auth.models import User
from clinicapp.extensions import db
from clinicapp.patients.models import Patient

from ..conftest import Auth, csrf_token

FORBIDDEN = "Недостаточно прав для этого действия"


def form_data(page_html: str, **fields) -> dict:
    data = {"csrf_token": csrf_token(page_html), "last_name": "Нурланова", "first_name": "Асель",
            "middle_name": "", "birth_date": "1990-05-15", "sex": "F",
            "phone": "+7 701 123 45 67", "extra_phones": "", "email": "", "address": "",
            "document_type": "", "document_number": "", "notes": "", "consent_at": "",
            "external_1c_id": "", "external_bitrix_id": "", "clinic_id": "0"}
    data.update(fields)
    return data


def html(response) -> str:
    return response.get_data(as_text=True)


# --- list and search ----------------------------------------------------------

def test_list_shows_patients_and_the_search_box(client, signed_in, make_patient):
    signed_in("receptionist")
    make_patient(last_name="Иванов", first_name="Пётр", phone="+79161234567",
                 birth_date=date(1990, 5, 15))
    response = client.get("/patients/")
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Пациенты</h1>" in page
    assert 'hx-trigger="input changed delay:200ms' in page
    assert 'hx-target="#patients-results"' in page
    assert 'id="patients-results"' in page
    assert "Иванов Пётр" in page and "15.05.1990" in page and "+7 916 123-45-67" in page
    assert "Новый пациент" in page
    assert "css/patients.css" in page


def test_search_fragment_for_htmx(client, signed_in, make_patient):
    signed_in("receptionist")
    make_patient(last_name="Иванов", first_name="Пётр", phone="+79161234567")
    make_patient(last_name="Сидорова", first_name="Анна", phone="+77011234567")
    for query in ("иван", "916 123", "8 (916) 12"):
        response = client.get("/patients/", query_string={"q": query},
                              headers={"HX-Request": "true"})
        assert response.status_code == 200
        fragment = html(response)
        assert fragment.lstrip().startswith('<div id="patients-results"')
        assert "<html" not in fragment
        assert "Иванов Пётр" in fragment and "Сидорова" not in fragment, query
        assert "Найдено: 1" in fragment


def test_history_restore_gets_the_whole_page(client, signed_in):
    signed_in("receptionist")
    response = client.get("/patients/", query_string={"q": "иван"},
                          headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in html(response) and 'id="patients-results"' in html(response)
    assert "HX-Request" in response.headers["Vary"]


def test_search_by_birth_date_and_empty_result(client, signed_in, make_patient):
    signed_in("cashier")
    make_patient(last_name="Датов", first_name="Рождён", birth_date=date(1985, 1, 2))
    page = html(client.get("/patients/", query_string={"q": "02.01.1985"}))
    assert "Датов Рождён" in page
    page = html(client.get("/patients/", query_string={"q": "нетакого"}))
    assert "Никого не нашлось по запросу «нетакого»" in page


def test_list_paging(client, signed_in, make_patient):
    signed_in("receptionist")
    for n in range(30):
        make_patient(last_name=f"Страничный{n:02d}", first_name="Тест")
    first = html(client.get("/patients/", query_string={"q": "страничный"}))
    assert "Страница 1 из 2" in first and "Страничный00" in first and "Страничный25" not in first
    assert "Найдено: 30" in first
    second = html(client.get("/patients/", query_string={"q": "страничный", "page": 2}))
    assert "Страничный25" in second and "Страничный00" not in second
    assert client.get("/patients/", query_string={"page": "99999999999999999999"}).status_code \
        == 200


def test_user_text_is_escaped(client, signed_in, make_patient):
    signed_in("receptionist")
    patient = make_patient(last_name="<script>alert(1)</script>", first_name="<b>Жирный</b>",
                           address="<img src=x onerror=alert(1)>")
    page = html(client.get("/patients/", query_string={"q": "<script>"}))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    card = html(client.get(f"/patients/{patient.id}"))
    assert "<img src=x" not in card and "<b>Жирный</b>" not in card
    assert "&lt;b&gt;Жирный&lt;/b&gt;" in card


# --- permissions --------------------------------------------------------------

@pytest.mark.parametrize("role, view, manage", [
    ("admin", 200, 200), ("manager", 200, 200), ("receptionist", 200, 200),
    ("cashier", 200, 403), ("doctor", 200, 403), ("patient", 403, 403),
])
def test_pages_per_role(client, make_user, signed_in, make_patient, role, view, manage):
    patient = make_patient(last_name="Ролевой", first_name="Тест", document_number="4510 999888",
                           notes="Личная заметка")
    if role == "patient":
        user = make_user("patient")
        assert Auth(client).login(user.email).status_code == 302
    else:
        signed_in(role)
    assert client.get("/patients/").status_code == view
    card = client.get(f"/patients/{patient.id}")
    assert card.status_code == view
    assert client.get("/patients/new").status_code == manage
    assert client.get(f"/patients/{patient.id}/edit").status_code == manage
    if view == 200:
        page = html(card)
        assert ("4510 999888" in page) == (manage == 200)
        assert ("Личная заметка" in page) == (manage == 200)
        assert ("Пригласить в личный кабинет" in page) == (manage == 200)
    if manage == 403:
        assert FORBIDDEN in html(client.get("/patients/new"))


def test_anonymous_is_sent_to_login(client):
    response = client.get("/patients/")
    assert response.status_code == 302 and "/login" in response.location


def test_patient_of_another_organization_is_404(client, signed_in, other_organization):
    foreign = Patient(organization_id=other_organization.id, last_name="Чужой", first_name="П")
    db.session.add(foreign)
    db.session.commit()
    signed_in("manager")
    assert client.get(f"/patients/{foreign.id}").status_code == 404
    assert client.get(f"/patients/{foreign.id}/edit").status_code == 404
    assert client.get("/patients/999999").status_code == 404


# --- the form -----------------------------------------------------------------

def test_create_through_the_form(client, signed_in, branches):
    signed_in("receptionist")
    page = client.get("/patients/new")
    assert page.status_code == 200
    assert 'name="csrf_token"' in html(page)
    response = client.post("/patients/new", data=form_data(
        html(page), phone="8 (701) 123-45-67", extra_phones="+998 90 123 45 67, 8 916 123 45 67",
        email="Asel@Example.com", document_type="id-card-kz",
        document_number="012345678", notes="Аллергия", consent="y",
        consent_at="2025-03-01T10:30", clinic_id=str(branches[0].id)))
    assert response.status_code == 302, html(response)
    patient = db.session.scalar(db.select(Patient).where(Patient.last_name == "Нурланова"))
    assert response.location == f"/patients/{patient.id}"
    assert patient.phone == "+77011234567"
    assert patient.extra_phones == ["+998901234567", "+79161234567"]
    assert patient.email == "asel@example.com" and patient.document_number == "012345678"
    assert patient.clinic_id == branches[0].id
    assert patient.consent_at.isoformat().startswith("2025-03-01T07:30")  # Moscow → UTC
    card = html(client.get(response.location))
    assert "Пациент Нурланова Асель зарегистрирован" in card
    assert "01.03.2025 10:30" in card and "+7 701 123 4567" in card


def test_consent_checkbox_alone_means_now(client, signed_in):
    signed_in("receptionist")
    page = html(client.get("/patients/new"))
    assert client.post("/patients/new", data=form_data(page, consent="y")).status_code == 302
    assert db.session.scalar(db.select(Patient.consent_at)) is not None


@pytest.mark.parametrize("fields, message", [
    ({"last_name": ""}, "Обязательное поле"),
    ({"phone": "12345"}, "Неверный"),
    ({"email": "не-почта"}, "Неверный e-mail"),
    ({"birth_date": "2999-01-01"}, "Дата рождения не может быть в будущем"),
    ({"birth_date": "1800-01-01"}, "Дата рождения не может быть раньше 01.01.1900"),
    ({"birth_date": "завтра"}, "Укажите дату в формате ДД.ММ.ГГГГ"),
    ({"extra_phones": "abc"}, "Неверный формат телефона"),
])
def test_form_validation_in_russian(client, signed_in, fields, message):
    signed_in("receptionist")
    page = html(client.get("/patients/new"))
    response = client.post("/patients/new", data=form_data(page, **fields))
    assert response.status_code == 400
    assert f'<div class="field-error">{message}' in html(response)
    assert db.session.scalar(db.select(db.func.count(Patient.id))) == 0


def test_form_without_csrf_is_refused(client, signed_in):
    signed_in("receptionist")
    data = form_data(html(client.get("/patients/new")))
    del data["csrf_token"]
    assert client.post("/patients/new", data=data).status_code == 400
    assert db.session.scalar(db.select(db.func.count(Patient.id))) == 0


def test_duplicate_warning_and_force(client, signed_in, make_patient):
    signed_in("receptionist")
    existing = make_patient(last_name="Нурланова", first_name="Асель", phone="+77011234567")
    page = html(client.get("/patients/new"))
    response = client.post("/patients/new", data=form_data(page, phone="8 701 123 45 67"))
    assert response.status_code == 409
    warning = html(response)
    assert "Похоже, такой пациент уже есть" in warning
    assert f'href="/patients/{existing.id}"' in warning and "Открыть карточку" in warning
    assert re.search(r'<button[^>]*name="force"[^>]*>Всё равно создать</button>', warning)
    assert 'value="Нурланова"' in warning  # what was typed stays in the form
    forced = client.post("/patients/new", data=form_data(page, phone="8 701 123 45 67",
                                                         force="y"))
    assert forced.status_code == 302
    assert db.session.scalar(db.select(db.func.count(Patient.id))) == 2


def test_edit_through_the_form(client, signed_in, make_patient):
    signed_in("receptionist")
    patient = make_patient(last_name="Старая", first_name="Фамилия", phone="+79161234567",
                           extra_phones=["+77011234567"])
    page = client.get(f"/patients/{patient.id}/edit")
    assert page.status_code == 200
    assert 'value="+79161234567"' in html(page) and 'value="+77011234567"' in html(page)
    response = client.post(f"/patients/{patient.id}/edit", data=form_data(
        html(page), last_name="Новая", first_name="Фамилия", phone="+79161234567",
        extra_phones="+77011234567"))
    assert response.status_code == 302
    db.session.expire_all()
    patient = db.session.get(Patient, patient.id)
    assert patient.full_name == "Новая Фамилия" and patient.extra_phones == ["+77011234567"]
    bad = client.post(f"/patients/{patient.id}/edit",
                      data=form_data(html(page), first_name=""))
    assert bad.status_code == 400 and "Обязательное поле" in html(bad)


def test_edit_keeps_a_branch_the_user_does_not_work_in(client, signed_in, make_patient,
                                                        branches):
    signed_in("receptionist")  # works in branch A only
    patient = make_patient(last_name="Алматинский", first_name="Пациент", clinic_id=branches[1].id)
    page = client.get(f"/patients/{patient.id}/edit")
    assert f'<option selected value="{branches[1].id}">' in html(page)
    response = client.post(f"/patients/{patient.id}/edit", data=form_data(
        html(page), last_name="Алматинский", first_name="Пациент", phone="",
        clinic_id=str(branches[1].id)))
    assert response.status_code == 302, html(response)
    other = client.post(f"/patients/{patient.id}/edit", data=form_data(
        html(page), last_name="Алматинский", first_name="Пациент", phone="", clinic_id="0"))
    assert other.status_code == 302
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).clinic_id is None


# --- the card and the invitation ---------------------------------------------

def test_card_sections_and_empty_states(client, signed_in, make_patient):
    signed_in("receptionist")
    patient = make_patient(last_name="Карточкин", first_name="Иван", sex="M",
                           birth_date=date(1980, 12, 31), email="ivan@example.com")
    page = html(client.get(f"/patients/{patient.id}"))
    for text in ("Карточкин Иван", "31.12.1980", "мужской", "ivan@example.com", "Записи",
                 "не получено", str(patient.client_id)):
        assert text in page, text
    # «Счета» come from billing's own route, for those who may see invoices.
    assert f'hx-get="/patients/{patient.id}/invoices"' in page


def test_the_card_has_no_invoices_for_whom_may_not_see_them(client, signed_in, make_patient):
    signed_in("doctor")
    patient = make_patient(last_name="Карточкин", first_name="Иван")
    page = html(client.get(f"/patients/{patient.id}"))
    assert "/invoices" not in page and "Счета" not in page


def test_invite_shows_the_one_time_password_once(client, signed_in, make_patient):
    signed_in("receptionist")
    patient = make_patient(last_name="Кабинетов", first_name="Гость", email="guest@example.com")
    page = html(client.get(f"/patients/{patient.id}"))
    response = client.post(f"/patients/{patient.id}/invite",
                           data={"csrf_token": csrf_token(page), "email": ""})
    assert response.status_code == 200
    shown = html(response)
    password = re.search(r'id="one-time-password"[^>]*>([^<]+)<', shown).group(1)
    user = db.session.scalar(db.select(User).where(User.email == "guest@example.com"))
    assert user.role == "patient"
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).user_id == user.id
    again = html(client.get(f"/patients/{patient.id}"))
    assert password not in again and "есть личный кабинет" in again
    assert "Пригласить в личный кабинет" not in again


def test_invite_errors_and_permissions(client, signed_in, make_user, make_patient):
    taken = make_user("cashier")
    signed_in("receptionist")
    patient = make_patient()
    page = html(client.get(f"/patients/{patient.id}"))
    response = client.post(f"/patients/{patient.id}/invite",
                           data={"csrf_token": csrf_token(page), "email": ""})
    assert response.status_code == 400 and "Укажите e-mail пациента" in html(response)
    response = client.post(f"/patients/{patient.id}/invite",
                           data={"csrf_token": csrf_token(page), "email": taken.email})
    assert response.status_code == 409
    assert "Пользователь с таким e-mail уже существует" in html(response)
    assert client.post(f"/patients/{patient.id}/invite", data={"email": "x@example.com"}
                       ).status_code == 400  # no CSRF token
    assert db.session.get(Patient, patient.id).user_id is None


def test_cashier_cannot_invite(client, signed_in, make_patient):
    signed_in("cashier")
    patient = make_patient(email="guest@example.com")
    page = html(client.get(f"/patients/{patient.id}"))
    response = client.post(f"/patients/{patient.id}/invite",
                           data={"csrf_token": csrf_token(page)})
    assert response.status_code == 403
    assert db.session.get(Patient, patient.id).user_id is None


def test_unknown_choices_are_refused_in_russian(client, signed_in, other_organization):
    signed_in("receptionist")
    page = html(client.get("/patients/new"))
    foreign = other_organization.clinics[0].id
    response = client.post("/patients/new", data=form_data(page, clinic_id=str(foreign), sex="X"))
    assert response.status_code == 400
    errors = re.findall(r'<div class="field-error">([^<]+)</div>', html(response))
    assert len(errors) == 2
    assert all(re.search("[а-яё]", e, re.IGNORECASE) for e in errors), errors
