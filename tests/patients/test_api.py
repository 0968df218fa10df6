"""The patients API of document 002: create, phone search, list, card, change.

Fields and status codes, phones in any RU/KZ/UZ format, duplicates (409 with
the existing id, `force`), the organization check, private fields by role,
branch headers, audit without personal data.
"""
from __future__ import annotations

import uuid

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.extensions import db
from clinicapp.patients.models import Patient

from ..auth.test_api_auth import assert_error

URL = "/api/v1/patients/patients"
DOC_EXAMPLE = {"organization": None, "first_name": "Асель", "last_name": "Нұрланова",
               "birth_date": "1990-05-15", "sex": "F", "phone": "+77011234567"}
FIELDS = {"id", "client_id", "organization", "first_name", "last_name", "middle_name",
          "full_name", "birth_date", "sex", "phone", "extra_phones", "email", "address",
          "document_type", "document_number", "notes", "consent_at", "external_1c_id",
          "external_bitrix_id", "clinic_id", "user_id", "created_at"}


@pytest.fixture
def manager(token_for):
    return token_for("receptionist")


def example(organization, **changes) -> dict:
    return {**DOC_EXAMPLE, "organization": organization.id, **changes}


# --- create -------------------------------------------------------------------

def test_create_the_documents_example(client, manager, organization, branches):
    response = client.post(URL, json=example(organization), headers=manager)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == FIELDS
    assert body["full_name"] == "Нұрланова Асель"
    assert body["birth_date"] == "1990-05-15" and body["sex"] == "F"
    assert body["phone"] == "+77011234567"
    assert body["organization"] == organization.id
    assert body["clinic_id"] is None and body["user_id"] is None
    uuid.UUID(body["client_id"])
    assert db.session.get(Patient, body["id"]).last_name == "Нұрланова"


def test_create_with_every_field(client, manager, organization, branches):
    data = example(organization, middle_name="Серикқызы", email="Asel@Example.COM",
                   extra_phones=["8 (916) 123-45-67", "+998 90 123 45 67"],
                   address="г. Алматы, пр. Абая, 10", document_type="Удостоверение личности РК",
                   document_number="012345678", notes="Аллергия на пенициллин",
                   consent_at="2025-03-01T10:30:00+05:00", external_1c_id="1C-0001",
                   external_bitrix_id="BX-77", clinic_id=branches[0].id)
    response = client.post(URL, json=data, headers=manager)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["email"] == "asel@example.com"
    assert body["extra_phones"] == ["+79161234567", "+998901234567"]
    assert body["document_number"] == "012345678" and body["notes"] == "Аллергия на пенициллин"
    assert body["consent_at"].startswith("2025-03-01T05:30:00")
    assert body["external_1c_id"] == "1C-0001" and body["external_bitrix_id"] == "BX-77"
    assert body["clinic_id"] == branches[0].id


def test_organization_may_be_left_out(client, manager, organization):
    data = example(organization)
    del data["organization"]
    response = client.post(URL, json=data, headers=manager)
    assert response.status_code == 201
    assert response.get_json()["organization"] == organization.id


def test_another_organization_is_403_and_an_unknown_one_400(client, manager, organization,
                                                           other_organization):
    body = assert_error(client.post(URL, json=example(other_organization), headers=manager), 403)
    assert "organization" in body["details"]
    body = assert_error(client.post(URL, json={**example(organization), "organization": 999999},
                                    headers=manager), 400)
    assert body["details"]["organization"] == ["Нет такой организации"]
    assert db.session.scalar(db.select(db.func.count(Patient.id))) == 0


@pytest.mark.parametrize("phone, e164", [
    ("+7 916 123-45-67", "+79161234567"),
    ("8 (916) 123-45-67", "+79161234567"),
    ("+7 916 1234567", "+79161234567"),
    ("9161234567", "+79161234567"),
    ("8-701-123-45-67", "+77011234567"),
    ("+7 (707) 765 43 21", "+77077654321"),
    ("77771234567", "+77771234567"),
    ("998901234567", "+998901234567"),
    ("+998 (93) 123-45-67", "+998931234567"),
    ("90 123 45 67", "+998901234567"),
])
def test_phones_of_russia_kazakhstan_uzbekistan_are_stored_in_e164(client, manager, organization,
                                                                   phone, e164):
    response = client.post(URL, json=example(organization, phone=phone), headers=manager)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["phone"] == e164


@pytest.mark.parametrize("data, field, message", [
    ({"first_name": "  "}, "first_name", "Обязательное поле"),
    ({"last_name": ""}, "last_name", "Обязательное поле"),
    ({"phone": "12345"}, "phone", "Неверный"),
    ({"phone": "телефон"}, "phone", "Неверный формат телефона"),
    ({"extra_phones": ["+7 916"]}, "extra_phones", "Неверный"),
    ({"email": "не-почта"}, "email", "Неверный e-mail"),
    ({"birth_date": "2999-01-01"}, "birth_date", "не может быть в будущем"),
    ({"birth_date": "1899-12-31"}, "birth_date", "не может быть раньше 01.01.1900"),
    ({"consent_at": "2999-01-01T00:00:00Z"}, "consent_at", "не может быть в будущем"),
])
def test_validation_names_the_field_in_russian(client, manager, organization, data, field,
                                                message):
    body = assert_error(client.post(URL, json=example(organization, **data), headers=manager),
                        400, "validation_error")
    assert message in body["details"][field][0], body
    assert field in body["detail"]


@pytest.mark.parametrize("data, field", [
    ({"sex": "X"}, "sex"), ({"birth_date": "15.05.1990"}, "birth_date"),
    ({"first_name": "А" * 101}, "first_name"), ({"organization": "1"}, "organization"),
    ({"unknown": 1}, "unknown"), ({"first_name": None}, "first_name"),
])
def test_schema_errors_are_400_naming_the_field(client, manager, organization, data, field):
    body = assert_error(client.post(URL, json={**example(organization), **data}, headers=manager),
                        400)
    assert field in body["details"]


def test_missing_names_are_400(client, manager):
    body = assert_error(client.post(URL, json={"phone": "+77011234567"}, headers=manager), 400)
    assert {"first_name", "last_name"} <= set(body["details"])


@pytest.mark.parametrize("phone", ["8 701 123 45 67", "+7 (701) 123-45-67", "77011234567"])
def test_duplicate_phone_in_any_format_is_409_with_the_existing_id(client, manager, organization,
                                                                   make_patient, phone):
    existing = make_patient(phone="+77011234567")
    body = assert_error(client.post(URL, json=example(organization, phone=phone), headers=manager),
                        409, "duplicate_patient")
    assert body["details"]["existing_id"] == existing.id
    assert "Похоже, такой пациент уже есть" in body["detail"]


def test_duplicate_by_extra_phone_or_email(client, manager, organization, make_patient):
    by_extra = make_patient(phone="+79990000001", extra_phones=["+77011234567"])
    body = assert_error(client.post(URL, json=example(organization), headers=manager), 409)
    assert body["details"]["existing_id"] == by_extra.id
    by_email = make_patient(email="twin@example.com")
    body = assert_error(client.post(URL, json=example(organization, phone=None,
                                                      email="TWIN@example.com"),
                                    headers=manager), 409)
    assert body["details"]["existing_id"] == by_email.id
    body = assert_error(client.post(URL, json=example(organization, phone="+79990000002",
                                                      extra_phones=["+7 999 000-00-01"]),
                                    headers=manager), 409)
    assert body["details"]["existing_id"] == by_extra.id


def test_force_creates_the_duplicate(client, manager, organization, make_patient):
    existing = make_patient(phone="+77011234567")
    response = client.post(URL, json=example(organization, force=True), headers=manager)
    assert response.status_code == 201
    assert response.get_json()["id"] != existing.id
    assert db.session.scalar(db.select(db.func.count(Patient.id))) == 2


def test_patients_of_another_organization_are_not_duplicates(client, manager, organization,
                                                             other_organization):
    db.session.add(Patient(organization_id=other_organization.id, last_name="Чужой",
                           first_name="Пациент", phone="+77011234567"))
    db.session.commit()
    assert client.post(URL, json=example(organization), headers=manager).status_code == 201


def test_taken_external_id_is_409(client, manager, organization, make_patient):
    existing = make_patient(external_1c_id="1C-1")
    body = assert_error(client.post(URL, json=example(organization, external_1c_id="1C-1"),
                                    headers=manager), 409)
    assert body["details"]["existing_id"] == existing.id
    assert "external_1c_id" in body["details"]


def test_clinic_id_must_be_a_branch_of_the_caller(client, token_for, organization, branches,
                                                  other_organization):
    headers = token_for("receptionist", user_branches=branches[:1])
    assert_error(client.post(URL, json=example(organization, clinic_id=branches[1].id),
                             headers=headers), 403)
    assert_error(client.post(URL, json=example(organization, clinic_id=999999), headers=headers),
                 404)
    response = client.post(URL, json=example(organization),
                           headers={**headers, "X-Branch-Id": str(branches[0].id)})
    assert response.status_code == 201
    assert response.get_json()["clinic_id"] == branches[0].id
    body = assert_error(client.post(URL, json=example(organization, phone=None,
                                                      clinic_id=branches[0].id),
                                    headers={**headers, "X-Branch-Id": str(branches[1].id)}), 403)
    assert body["error"] == "branch_forbidden"


def test_clinic_id_and_branch_header_must_agree(client, token_for, organization, branches):
    headers = token_for("manager", user_branches=branches)
    body = assert_error(client.post(URL, json=example(organization, clinic_id=branches[0].id),
                                    headers={**headers, "X-Branch-Id": str(branches[1].id)}), 400)
    assert {"branch", "X-Branch-Id"} <= set(body["details"])


def test_audit_names_fields_but_holds_no_personal_data(client, manager, organization):
    data = example(organization, document_number="4510 123456", notes="секретная заметка")
    patient_id = client.post(URL, json=data, headers=manager).get_json()["id"]
    client.patch(f"{URL}/{patient_id}", json={"document_number": "4510 654321", "notes": "другая"},
                 headers=manager)
    entries = list(db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.target_type == "patients", AuditEntry.target_id == str(patient_id))
        .order_by(AuditEntry.id)))
    assert [e.action for e in entries] == ["patient.created", "patient.updated"]
    assert "document_number" in entries[0].changes["fields"]
    assert entries[1].changes == {"fields": ["document_number", "notes"]}
    dump = str([e.changes for e in entries])
    for secret in ("4510", "секретная", "другая", "Нұрланова"):
        assert secret not in dump


# --- phone search -------------------------------------------------------------

@pytest.mark.parametrize("typed", ["+77011234567", "8 701 123 45 67", "+7 (701) 123-45-67",
                                   "77011234567", "7011234567"])
def test_search_by_phone_finds_any_formatting(client, manager, make_patient, typed):
    patient = make_patient(phone="+77011234567")
    response = client.post(f"{URL}/search", json={"phone": typed}, headers=manager)
    assert response.status_code == 200
    body = response.get_json()
    assert body["found"] is True and body["count"] == 1
    assert body["patients"][0]["id"] == patient.id
    assert set(body["patients"][0]) == FIELDS


def test_search_by_phone_finds_extra_numbers_and_uzbek_numbers(client, manager, make_patient):
    patient = make_patient(phone="+79161234567", extra_phones=["+998901234567"])
    for typed in ("998901234567", "+998 90 123-45-67", "8 916 123 45 67"):
        body = client.post(f"{URL}/search", json={"phone": typed}, headers=manager).get_json()
        assert [p["id"] for p in body["patients"]] == [patient.id], typed


def test_search_by_phone_not_found(client, manager, make_patient):
    make_patient(phone="+79161234567")
    body = client.post(f"{URL}/search", json={"phone": "+7 916 000 00 00"},
                       headers=manager).get_json()
    assert body == {"found": False, "count": 0, "patients": []}


def test_search_by_phone_needs_a_phone(client, manager):
    assert "phone" in assert_error(client.post(f"{URL}/search", json={}, headers=manager),
                                   400)["details"]
    body = assert_error(client.post(f"{URL}/search", json={"phone": "abc"}, headers=manager), 400)
    assert body["details"]["phone"] == ["Неверный формат телефона"]


def test_search_by_phone_stays_inside_the_organization(client, manager, other_organization):
    db.session.add(Patient(organization_id=other_organization.id, last_name="Чужой",
                           first_name="Пациент", phone="+77011234567"))
    db.session.commit()
    body = client.post(f"{URL}/search", json={"phone": "+77011234567"}, headers=manager).get_json()
    assert body["found"] is False


# --- list, card, change -------------------------------------------------------

def test_list_with_search_and_paging(client, manager, make_patient):
    for n in range(5):
        make_patient(last_name=f"Петров{n}", first_name="Иван")
    make_patient(last_name="Сидорова", first_name="Анна")
    response = client.get(URL, query_string={"search": "иван петров", "limit": 2, "offset": 1},
                          headers=manager)
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "5"
    body = response.get_json()
    assert [p["last_name"] for p in body] == ["Петров1", "Петров2"]
    everyone = client.get(URL, headers=manager)
    assert everyone.headers["X-Total-Count"] == "6"
    assert len(everyone.get_json()) == 6


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": -1}, {"offset": -1}, {"limit": "x"}])
def test_list_paging_limits(client, manager, query):
    assert_error(client.get(URL, query_string=query, headers=manager), 400)


def test_list_search_is_literal(client, manager, make_patient):
    make_patient(last_name="Про%цент", first_name="Подчёрк_нутый")
    make_patient(last_name="Обычный", first_name="Пациент")
    for search, count in (("%", 0), ("_", 0), ("'", 0), ("о%ц", 1), ("к_н", 1), ("\\", 0),
                          ("%%%", 0), ("___", 0), ("про%", 1)):
        response = client.get(URL, query_string={"search": search}, headers=manager)
        assert response.headers["X-Total-Count"] == str(count), search


def test_card_and_not_found(client, manager, make_patient, other_organization):
    patient = make_patient(phone="+79161234567", document_number="4510 123456")
    body = client.get(f"{URL}/{patient.id}", headers=manager).get_json()
    assert body["id"] == patient.id and body["document_number"] == "4510 123456"
    assert_error(client.get(f"{URL}/999999", headers=manager), 404, "not_found")
    foreign = Patient(organization_id=other_organization.id, last_name="Чужой", first_name="П")
    db.session.add(foreign)
    db.session.commit()
    assert_error(client.get(f"{URL}/{foreign.id}", headers=manager), 404)
    assert client.get(f"{URL}/abc", headers=manager).status_code == 404


def test_private_fields_only_for_patients_manage(client, token_for, make_patient):
    patient = make_patient(document_number="4510 123456", notes="заметка")
    cashier = token_for("cashier")
    body = client.get(f"{URL}/{patient.id}", headers=cashier).get_json()
    assert "document_number" not in body and "notes" not in body
    listed = client.get(URL, headers=cashier).get_json()[0]
    assert "document_number" not in listed and "notes" not in listed
    assert client.get(f"{URL}/{patient.id}", headers=token_for("manager")).get_json()[
        "notes"] == "заметка"


def test_patch_changes_only_given_fields(client, manager, make_patient):
    patient = make_patient(last_name="Иванов", first_name="Иван", phone="+79161234567",
                           email="ivan@example.com")
    response = client.patch(f"{URL}/{patient.id}",
                            json={"middle_name": "Иванович", "phone": "8 701 123 45 67",
                                  "email": None},
                            headers=manager)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["full_name"] == "Иванов Иван Иванович"
    assert body["phone"] == "+77011234567" and body["email"] is None
    assert body["first_name"] == "Иван"
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).search_name == "иванов иван иванович"


def test_patch_without_a_body_changes_nothing(client, manager, make_patient):
    patient = make_patient(last_name="Неизменный")
    response = client.patch(f"{URL}/{patient.id}", headers=manager)
    assert response.status_code == 200
    assert response.get_json()["last_name"] == "Неизменный"
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "patient.updated")) == 0


def test_patch_validation_and_not_found(client, manager, make_patient):
    patient = make_patient()
    body = assert_error(client.patch(f"{URL}/{patient.id}", json={"last_name": " "},
                                     headers=manager), 400)
    assert body["details"]["last_name"] == ["Обязательное поле"]
    assert_error(client.patch(f"{URL}/{patient.id}", json={"organization": 1}, headers=manager),
                 400)
    assert_error(client.patch(f"{URL}/999999", json={"notes": "x"}, headers=manager), 404)


# --- permissions --------------------------------------------------------------

def test_without_a_token_every_endpoint_is_401(client):
    for method, path in (("get", URL), ("post", URL), ("post", f"{URL}/search"),
                         ("get", f"{URL}/1"), ("patch", f"{URL}/1")):
        assert_error(getattr(client, method)(path, json={}), 401)


@pytest.mark.parametrize("role, can_view, can_manage", [
    ("admin", True, True), ("manager", True, True), ("receptionist", True, True),
    ("cashier", True, False), ("doctor", True, False), ("patient", False, False),
])
def test_permissions_per_role(client, token_for, organization, make_patient, role, can_view,
                              can_manage):
    patient = make_patient()
    headers = token_for(role, user_branches=() if role == "patient" else None)
    view = client.get(f"{URL}/{patient.id}", headers=headers)
    assert view.status_code == (200 if can_view else 403)
    search = client.post(f"{URL}/search", json={"phone": "+79161234567"}, headers=headers)
    assert search.status_code == (200 if can_view else 403)
    create = client.post(URL, json=example(organization), headers=headers)
    assert create.status_code == (201 if can_manage else 403)
    change = client.patch(f"{URL}/{patient.id}", json={"notes": "x"}, headers=headers)
    assert change.status_code == (200 if can_manage else 403)


def test_branch_header_of_a_foreign_branch_is_403(client, token_for, branches, make_patient):
    headers = token_for("receptionist", user_branches=branches[:1])
    response = client.get(URL, headers={**headers, "X-Branch-Id": str(branches[1].id)})
    assert assert_error(response, 403)["error"] == "branch_forbidden"
    assert client.get(URL, headers={**headers, "X-Branch-Id": str(branches[0].id)}).status_code \
        == 200
    assert_error(client.get(URL, headers={**headers, "X-Branch-Id": "abc"}), 400)


def test_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths[URL])
    assert {"get", "patch"} <= set(paths[URL + "/{patient_id}"])
    assert "409" in paths[URL]["post"]["responses"]
    assert "post" in paths[URL + "/search"]


@pytest.mark.parametrize("request_args", [
    ("get", f"{URL}/99999999999", {}),
    ("patch", f"{URL}/99999999999", {"json": {"notes": "x"}}),
    ("get", URL, {"headers": {"X-Branch-Id": "99999999999"}}),
    ("post", URL, {"json": {"first_name": "А", "last_name": "Б", "clinic_id": 99999999999}}),
    ("post", URL, {"json": {"first_name": "А", "last_name": "Б", "organization": 99999999999}}),
    ("get", URL, {"query_string": {"offset": 10**20}}),
])
def test_ids_beyond_the_database_range_are_client_errors(client, manager, request_args):
    method, path, kwargs = request_args
    headers = {**manager, **kwargs.pop("headers", {})}
    response = getattr(client, method)(path, headers=headers, **kwargs)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
