"""Document 002: GET /api/v1/org/branches, GET and PATCH /api/v1/org/clinic-info."""
from __future__ import annotations

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.extensions import db
from clinicapp.org.models import Organization

BRANCHES = "/api/v1/org/branches"
INFO = "/api/v1/org/clinic-info"


# --- branches -------------------------------------------------------------------------------

def test_branches_need_a_token(client, branches):
    response = client.get(BRANCHES)
    assert response.status_code == 401
    assert set(response.get_json()) == {"detail", "error", "details"}
    assert client.get(BRANCHES, headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_admin_sees_every_branch_with_its_fields(client, branches, api_headers):
    response = client.get(BRANCHES, headers=api_headers("admin"))
    assert response.status_code == 200
    body = response.get_json()
    assert [b["name"] for b in body] == ["Закрытая клиника", "Клиника в Алматы",
                                         "Клиника на Арбате"]
    arbat = body[2]
    assert arbat["id"] == branches.a.id and arbat["address"] == "г. Москва, Арбат, 1"
    assert arbat["phone"] == "+74950000001" and arbat["timezone"] == "Europe/Moscow"
    assert arbat["is_active"] is True and body[0]["is_active"] is False
    assert arbat["rating"] == 4.7 and arbat["latitude"] == 55.752
    assert arbat["opening_hours"] == {"mon": [["09:00", "21:00"]]}
    assert arbat["organization"] == branches.a.organization_id
    assert arbat["logo_url"] is None and arbat["photo_urls"] == []


def test_receptionist_sees_only_their_branch(client, branches, api_headers):
    response = client.get(BRANCHES, headers=api_headers("receptionist", [branches.a]))
    assert response.status_code == 200
    assert [b["id"] for b in response.get_json()] == [branches.a.id]


def test_manager_of_two_branches_sees_two(client, branches, api_headers):
    response = client.get(BRANCHES, headers=api_headers("manager", [branches.a, branches.b]))
    assert {b["id"] for b in response.get_json()} == {branches.a.id, branches.b.id}


def test_patient_may_not_list_branches(client, branches, api_headers):
    response = client.get(BRANCHES, headers=api_headers("patient"))
    assert response.status_code == 403
    assert response.get_json()["error"] == "permission_denied"


def test_branch_header_is_checked_but_does_not_narrow_the_list(client, branches, api_token):
    token = api_token("receptionist", [branches.a])
    headers = {"Authorization": f"Bearer {token}"}
    own = client.get(BRANCHES, headers={**headers, "X-Branch-Id": str(branches.a.id)})
    assert own.status_code == 200 and [b["id"] for b in own.get_json()] == [branches.a.id]
    foreign = client.get(BRANCHES, headers={**headers, "X-Branch-Id": str(branches.b.id)})
    assert foreign.status_code == 403
    assert foreign.get_json()["error"] == "branch_forbidden"
    unknown = client.get(BRANCHES, headers={**headers, "X-Branch-Id": "999999"})
    assert unknown.status_code == 404
    garbage = client.get(BRANCHES, headers={**headers, "X-Branch-Id": "первый"})
    assert garbage.status_code == 400 and "X-Branch-Id" in garbage.get_json()["details"]


def test_admin_may_name_any_branch(client, branches, api_headers):
    response = client.get(BRANCHES, headers={**api_headers("admin"),
                                             "X-Branch-Id": str(branches.b.id)})
    assert response.status_code == 200 and len(response.get_json()) == 3


# --- clinic-info ----------------------------------------------------------------------------

def test_clinic_info_for_staff(client, branches, api_headers):
    response = client.get(INFO, headers=api_headers("doctor", [branches.b]))
    assert response.status_code == 200
    info = response.get_json()
    assert info["id"] == branches.b.organization_id
    assert info["inn"] == "7707083893" and info["kpp"] == "773601001"
    assert info["ogrn"] == "1027700132195" and info["bik"] == "044525225"
    assert info["settlement_account"] == "40702810538000054321"
    assert info["correspondent_account"] == "30101810400000000225"
    assert info["name"] == "ООО «Клиника Тест»" and info["logo_url"] is None
    assert {"legal_address", "postal_address", "bank_name", "phone", "email"} <= set(info)


def test_clinic_info_is_the_callers_organization(client, branches, api_headers):
    other = Organization(name="ООО «Другая»")
    db.session.add(other)
    db.session.commit()
    # An admin without branches gets the first organization; staff get their branches' one.
    assert client.get(INFO, headers=api_headers("admin")).get_json()["id"] == \
        branches.a.organization_id


def test_clinic_info_without_organization_is_404(client, api_headers):
    response = client.get(INFO, headers=api_headers("admin"))
    assert response.status_code == 404
    assert response.get_json()["detail"] == "Организация ещё не заведена"


def test_clinic_info_needs_a_token(client, organization):
    assert client.get(INFO).status_code == 401
    assert client.patch(INFO, json={"phone": "+74950000000"}).status_code == 401


@pytest.mark.parametrize("role", ["manager", "receptionist", "cashier", "doctor", "patient"])
def test_only_admins_patch_clinic_info(client, branches, api_headers, role):
    response = client.patch(INFO, json={"kpp": "773601002"},
                            headers=api_headers(role, [branches.a] if role != "patient" else []))
    assert response.status_code == 403
    assert db.session.get(Organization, branches.a.organization_id).kpp == "773601001"


def test_admin_patches_some_fields(client, organization, api_headers):
    headers = api_headers("admin")
    response = client.patch(INFO, headers=headers, json={
        "kpp": "773601002", "phone": "8 (495) 765-43-21", "email": "Office@Clinic.Test",
        "postal_address": "  125009, Москва  "})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["kpp"] == "773601002" and body["phone"] == "+74957654321"
    assert body["email"] == "office@clinic.test" and body["postal_address"] == "125009, Москва"
    assert body["inn"] == "7707083893"  # untouched
    db.session.refresh(organization)
    assert organization.kpp == "773601002"
    entry = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "organization.updated")).one()
    assert entry.changes["kpp"] == ["773601001", "773601002"]
    assert entry.target_id == str(organization.id)
    assert "inn" not in entry.changes


def test_admin_switches_to_an_entrepreneur(client, organization, api_headers):
    response = client.patch(INFO, headers=api_headers("admin"), json={
        "name": "ИП Иванов Иван Иванович", "inn": "500100732259", "kpp": None,
        "ogrn": "304500116000157"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["kpp"] is None


@pytest.mark.parametrize("body, field, message", [
    ({"inn": "7707083894"}, "inn", "Неверный ИНН: не сходится контрольное число"),
    ({"inn": "12345"}, "inn", "ИНН состоит из 10 или 12 цифр"),
    ({"inn": "500100732258"}, "inn", "Неверный ИНН: не сходится контрольное число"),
    ({"kpp": "12345678"}, "kpp", "КПП состоит из 9 цифр (5-й и 6-й знаки могут быть латинскими буквами)"),
    ({"kpp": "12345678Я"}, "kpp", "КПП состоит из 9 цифр (5-й и 6-й знаки могут быть латинскими буквами)"),
    ({"ogrn": "1027700132196"}, "ogrn", "Неверный ОГРН: не сходится контрольная цифра"),
    ({"bik": "0445252"}, "bik", "БИК состоит из 9 цифр"),
    ({"settlement_account": "4070281"}, "settlement_account",
     "Расчётный счёт состоит из 20 цифр"),
    ({"settlement_account": "40702810638000054321"}, "settlement_account",
     "Расчётный счёт не сходится с БИК банка (ключ счёта)"),
    ({"phone": "12"}, "phone", None),
    ({"email": "не почта"}, "email", "Неверный e-mail"),
    ({"name": ""}, "name", "Обязательное поле"),
    ({"inn": "500100732259"}, "kpp", "У индивидуального предпринимателя (ИНН из 12 цифр) нет КПП"),
])
def test_patch_validation_names_the_field_in_russian(client, organization, api_headers, body,
                                                      field, message):
    response = client.patch(INFO, headers=api_headers("admin"), json=body)
    assert response.status_code == 400
    error = response.get_json()
    assert error["error"] == "validation_error"
    assert field in error["details"]
    if message:
        assert error["details"][field] == [message]
    db.session.refresh(organization)
    assert organization.inn == "7707083893" and organization.name == "ООО «Клиника Тест»"


def test_patch_reports_every_bad_field_and_saves_nothing(client, organization, api_headers):
    response = client.patch(INFO, headers=api_headers("admin"), json={
        "inn": "1111111111", "kpp": "1", "phone": "+74950001122"})
    assert response.status_code == 400
    assert set(response.get_json()["details"]) == {"inn", "kpp"}
    db.session.refresh(organization)
    assert organization.phone == "+74951234567"
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "organization.updated")) == 0


def test_patch_rejects_unknown_fields_and_wrong_types(client, organization, api_headers):
    headers = api_headers("admin")
    assert client.patch(INFO, headers=headers, json={"logo_path": "x.png"}).status_code == 400
    assert client.patch(INFO, headers=headers, json={"inn": 7707083893}).status_code == 400
    assert client.patch(INFO, headers=headers, json=["inn"]).status_code == 400
    missing = client.patch(INFO, headers=headers)
    assert missing.status_code == 400 and "json" in missing.get_json()["details"]
    assert client.patch(INFO, headers=headers, json={}).status_code == 200


def test_the_organization_has_a_currency_roubles_by_default(client, organization,
                                                            api_headers):
    headers = api_headers("admin")
    assert client.get(INFO, headers=headers).get_json()["currency"] == "RUB"
    response = client.patch(INFO, headers=headers, json={"currency": " kzt "})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["currency"] == "KZT"
    db.session.refresh(organization)
    assert organization.currency == "KZT"
    for bad in ("ABC", "рубль", "", None, 643):
        refused = client.patch(INFO, headers=headers, json={"currency": bad})
        assert refused.status_code == 400, (bad, refused.get_json())
        assert "currency" in refused.get_json()["details"]
    db.session.refresh(organization)
    assert organization.currency == "KZT"
