"""Review fixes around patients: one phone normalizer everywhere (Uzbek local numbers),
one "caller's organization", the paging contract, Russian messages, page numbers."""
from __future__ import annotations

import pytest

from clinicapp.auth.models import User
from clinicapp.extensions import db
from clinicapp.patients.models import Patient

URL = "/api/v1/patients/patients"


def test_register_with_an_uzbek_local_number(client, organization):
    """Nine digits are an Uzbek number: no Russian or Kazakh number has nine."""
    response = client.post("/api/v1/auth/register", json={
        "email": "karimov@example.uz", "password": "long-password-1",
        "full_name": "Каримов Азиз", "phone": "90 123 45 67"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["phone"] == "+998901234567"
    user = db.session.scalar(db.select(User).where(User.email == "karimov@example.uz"))
    assert user.phone == "+998901234567"


@pytest.mark.parametrize("typed, e164", [
    ("90 123 45 67", "+998901234567"), ("8 701 123 45 67", "+77011234567"),
    ("701 123 45 67", "+77011234567"), ("916 123-45-67", "+79161234567"),
    ("998 33 123 45 67", "+998331234567"),
])
def test_the_api_and_the_phone_search_read_every_format_alike(client, organization, token_for,
                                                              typed, e164):
    headers = token_for("receptionist")
    response = client.post(URL, headers=headers, json={
        "first_name": "Азиз", "last_name": "Каримов", "phone": typed})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["phone"] == e164
    found = client.post(f"{URL}/search", headers=headers, json={"phone": typed}).get_json()
    assert found["count"] == 1 and found["patients"][0]["phone"] == e164


def test_another_organization_is_a_403_and_an_unknown_one_a_400(client, organization,
                                                                 other_organization, token_for):
    headers = token_for("receptionist")
    body = {"first_name": "Азиз", "last_name": "Каримов"}
    response = client.post(URL, headers=headers,
                           json={**body, "organization": other_organization.id})
    assert response.status_code == 403
    assert response.get_json()["details"]["organization"] == ["Это не ваша организация"]
    response = client.post(URL, headers=headers, json={**body, "organization": 987_654})
    assert response.status_code == 400
    assert response.get_json()["details"]["organization"] == ["Нет такой организации"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Patient)) == 0


def test_limit_above_100_is_served_as_100(client, organization, token_for, make_patient):
    headers = token_for("receptionist")
    for _ in range(3):
        make_patient()
    response = client.get(URL, headers=headers, query_string={"limit": 101})
    assert response.status_code == 200 and len(response.get_json()) == 3
    for bad in (0, -7):
        response = client.get(URL, headers=headers, query_string={"limit": bad})
        assert response.status_code == 400
        assert response.get_json()["details"] == {"limit": ["Не меньше 1"]}


def test_validation_messages_are_russian(client, organization, token_for):
    headers = token_for("receptionist")
    response = client.post(URL, headers=headers, json={
        "first_name": 1, "last_name": None, "birth_date": "вчера", "sex": "X"})
    assert response.status_code == 400
    assert response.get_json()["details"] == {
        "first_name": ["Ожидается строка"], "last_name": ["Поле не может быть пустым"],
        "birth_date": ["Ожидается дата ГГГГ-ММ-ДД"], "sex": ["Допустимые значения: M, F"]}
    response = client.post(URL, headers=headers, json={"last_name": "Х"})
    assert response.get_json()["details"] == {"first_name": ["Обязательное поле"]}


@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "x"])
def test_a_huge_or_broken_page_number_is_no_server_error(client, signed_in, make_patient, page):
    make_patient(last_name="Страничный")
    signed_in("receptionist")
    response = client.get("/patients/", query_string={"page": page})
    assert response.status_code == 200
