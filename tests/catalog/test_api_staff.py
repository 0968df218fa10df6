"""Document 002: the staff price list — /api/v1/services/services and /categories."""
from __future__ import annotations

from decimal import Decimal

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.catalog.models import Service, ServiceCategory, ServicePrice
from clinicapp.extensions import db

SERVICES = "/api/v1/services/services"
TREE = "/api/v1/services/categories/tree"
CATEGORIES = "/api/v1/services/categories"


def codes(response) -> list[str]:
    return [item["code"] for item in response.get_json()]


def history(service_id: int) -> list[tuple[Decimal, int | None]]:
    return [(row.price, row.changed_by_id) for row in db.session.scalars(
        db.select(ServicePrice).where(ServicePrice.service_id == service_id)
        .order_by(ServicePrice.id))]


def new_service(**fields) -> dict:
    return {"code": "B01.015.001", "name": "Приём кардиолога", "price": 2800, "duration": 30,
            **fields}


# --- reading ------------------------------------------------------------------------

def test_reading_needs_a_token_and_catalog_view(client, catalog, api_as):
    assert client.get(SERVICES).status_code == 401
    _user, patient = api_as("patient")
    response = client.get(SERVICES, headers=patient)
    assert response.status_code == 403
    assert response.get_json()["error"] == "permission_denied"
    _user, doctor = api_as("doctor")
    assert client.get(SERVICES, headers=doctor).status_code == 200
    assert client.get(TREE, headers=doctor).status_code == 200


def test_list_has_every_service_with_its_fields(client, catalog, api_as):
    _user, headers = api_as("receptionist")
    response = client.get(SERVICES, headers=headers)
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "5"
    by_code = {item["code"]: item for item in response.get_json()}
    a, b = catalog.clinics
    assert by_code["A16.07.008.001"] == {
        "id": catalog.canal.id, "code": "A16.07.008.001", "name": "Пломбирование канала",
        "description": None, "price": 4500.5, "duration": 45, "category": catalog.endo.id,
        "category_path": "Стоматология / Терапия / Эндодонтия", "clinics": [a.id, b.id],
        "doctors": [catalog.dentist.id, catalog.dentist2.id], "is_active": True}
    assert by_code["X00.001"]["category"] is None
    assert by_code["X00.001"]["category_path"] is None
    assert by_code["A16.07.001.001"]["is_active"] is False


def test_category_filter_includes_subcategories(client, catalog, api_as):
    _user, headers = api_as("doctor")
    dental = client.get(SERVICES, headers=headers, query_string={"category": catalog.dental.id})
    assert sorted(codes(dental)) == ["A16.07.001.001", "A16.07.002.009", "A16.07.008.001"]
    therapy = client.get(SERVICES, headers=headers, query_string={"category": catalog.therapy.id})
    assert sorted(codes(therapy)) == ["A16.07.002.009", "A16.07.008.001"]
    assert therapy.headers["X-Total-Count"] == "2"
    endo = client.get(SERVICES, headers=headers, query_string={"category": catalog.endo.id})
    assert codes(endo) == ["A16.07.008.001"]
    assert client.get(SERVICES, headers=headers,
                      query_string={"category": 999999}).get_json() == []


def test_is_active_and_search_filters(client, catalog, api_as):
    _user, headers = api_as("doctor")
    inactive = client.get(SERVICES, headers=headers, query_string={"is_active": "false"})
    assert codes(inactive) == ["A16.07.001.001"]
    active = client.get(SERVICES, headers=headers,
                        query_string={"is_active": "true", "category": catalog.dental.id})
    assert sorted(codes(active)) == ["A16.07.002.009", "A16.07.008.001"]
    by_name = client.get(SERVICES, headers=headers, query_string={"search": "канал"})
    assert codes(by_name) == ["A16.07.008.001"]
    by_code = client.get(SERVICES, headers=headers, query_string={"search": "a05.10"})
    assert codes(by_code) == ["A05.10.006"]
    assert client.get(SERVICES, headers=headers,
                      query_string={"is_active": "maybe"}).status_code == 400


@pytest.mark.parametrize("text", ["%", "_", "'", '"'])
def test_search_is_literal(client, catalog, api_as, text):
    _user, headers = api_as("manager")
    body = new_service(code="LIT-1", name=f"Особая{text}услуга")
    assert client.post(SERVICES, headers=headers, json=body).status_code == 201
    found = client.get(SERVICES, headers=headers, query_string={"search": text})
    assert codes(found) == ["LIT-1"]


def test_optional_paging(client, catalog, api_as):
    _user, headers = api_as("doctor")
    page = client.get(SERVICES, headers=headers, query_string={"limit": 2, "offset": 1})
    assert len(page.get_json()) == 2
    assert page.headers["X-Total-Count"] == "5"
    everything = client.get(SERVICES, headers=headers, query_string={"offset": 3})
    assert len(everything.get_json()) == 2 and everything.headers["X-Total-Count"] == "5"
    for query in ({"limit": 0}, {"limit": -5}, {"offset": -1}):
        assert client.get(SERVICES, headers=headers, query_string=query).status_code == 400


def test_branch_header_narrows_to_the_branch_and_checks_access(client, catalog, api_as):
    a, b = catalog.clinics
    _user, headers = api_as("receptionist", branches=[b])
    own = client.get(SERVICES, headers={**headers, "X-Branch-Id": str(b.id)})
    assert sorted(codes(own)) == ["A05.10.006", "A16.07.008.001"]
    other = client.get(SERVICES, headers={**headers, "X-Branch-Id": str(a.id)})
    assert other.status_code == 403
    unknown = client.get(SERVICES, headers={**headers, "X-Branch-Id": "999999"})
    assert unknown.status_code == 404
    for bad in ("", "abc"):
        response = client.get(SERVICES, headers={**headers, "X-Branch-Id": bad})
        assert response.status_code == 400 and "X-Branch-Id" in response.get_json()["details"]


def test_tree_is_nested_with_positions_and_counts(client, catalog, api_as):
    _user, headers = api_as("doctor")
    tree = client.get(TREE, headers=headers).get_json()
    assert [node["name"] for node in tree] == ["Стоматология", "Кардиология"]
    dental = tree[0]
    assert dental == {
        "id": catalog.dental.id, "name": "Стоматология", "position": 0, "is_active": True,
        "services_count": 0, "children": [
            {"id": catalog.therapy.id, "name": "Терапия", "position": 0, "is_active": True,
             "services_count": 1, "children": [
                 {"id": catalog.endo.id, "name": "Эндодонтия", "position": 0, "is_active": True,
                  "services_count": 1, "children": []}]},
            {"id": catalog.surgery.id, "name": "Хирургия", "position": 1, "is_active": True,
             "services_count": 1, "children": []}]}
    assert tree[1]["position"] == 1 and tree[1]["services_count"] == 1


# --- writing services ------------------------------------------------------------------

def test_create_service(client, catalog, api_as):
    manager, headers = api_as("manager")
    a, b = catalog.clinics
    response = client.post(SERVICES, headers=headers, json=new_service(
        description="Консультация", category=catalog.cardio.id, clinics=[b.id, a.id],
        doctors=[catalog.cardiologist.id], price=2800.5))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["code"] == "B01.015.001" and body["price"] == 2800.5 and body["duration"] == 30
    assert body["category"] == catalog.cardio.id and body["category_path"] == "Кардиология"
    assert body["clinics"] == [a.id, b.id] and body["doctors"] == [catalog.cardiologist.id]
    assert body["is_active"] is True
    service = db.session.get(Service, body["id"])
    assert service.price == Decimal("2800.50")
    assert history(service.id) == [(Decimal("2800.50"), manager.id)]
    entry = db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "catalog.service_created", AuditEntry.target_id == str(service.id)))
    assert entry.actor_id == manager.id and entry.changes["price"] == "2800.50"


def test_writing_needs_catalog_manage(client, catalog, api_as):
    _user, headers = api_as("receptionist")
    assert client.post(SERVICES, headers=headers, json=new_service()).status_code == 403
    assert client.patch(f"{SERVICES}/{catalog.ecg.id}", headers=headers,
                        json={"price": 1}).status_code == 403
    assert client.post(CATEGORIES, headers=headers, json={"name": "Х"}).status_code == 403
    assert client.post(SERVICES, json=new_service()).status_code == 401
    assert db.session.scalar(db.select(Service).where(Service.code == "B01.015.001")) is None


def test_admin_may_write_too(client, catalog, api_as):
    _user, headers = api_as("admin")
    assert client.post(SERVICES, headers=headers, json=new_service()).status_code == 201


@pytest.mark.parametrize("fields, field, message", [
    ({"price": -1}, "price", "Цена меньше нуля"),
    ({"price": "1500"}, "price", "Цена должна быть числом"),
    ({"price": 10.005}, "price", "У цены больше двух знаков после запятой"),
    ({"duration": 0}, "duration", "Допустимо от 1 до 720"),
    ({"duration": 721}, "duration", "Допустимо от 1 до 720"),
    ({"duration": 30.5}, "duration", "Ожидается целое число"),
    ({"code": ""}, "code", "Длина — от 1 до 50 символов"),
    ({"name": "   "}, "name", "Название не указано"),
    ({"category": 999999}, "category", "Нет категории с id 999999"),
    ({"clinics": [999999]}, "clinics", "Нет филиала с id 999999"),
    ({"is_active": 1}, "is_active", "Ожидается true или false"),
])
def test_create_validation_names_the_field_in_russian(client, catalog, api_as, fields, field,
                                                      message):
    _user, headers = api_as("manager")
    response = client.post(SERVICES, headers=headers, json=new_service(**fields))
    assert response.status_code == 400
    details = response.get_json()["details"]
    assert message in str(details[field]), details


def test_doctors_must_be_doctors(client, catalog, api_as, make_doctor):
    nurse = make_doctor("медсестра", is_doctor=False)
    _user, headers = api_as("manager")
    response = client.post(SERVICES, headers=headers, json=new_service(doctors=[nurse.id]))
    assert response.status_code == 400
    assert response.get_json()["details"]["doctors"] == [f"Нет врача с id {nurse.id}"]


def test_missing_fields_are_named(client, catalog, api_as):
    _user, headers = api_as("manager")
    response = client.post(SERVICES, headers=headers, json={})
    assert response.status_code == 400
    assert {"code", "name", "price", "duration"} <= set(response.get_json()["details"])


def test_code_is_unique(client, catalog, api_as):
    _user, headers = api_as("manager")
    response = client.post(SERVICES, headers=headers, json=new_service(code="A05.10.006"))
    assert response.status_code == 409
    assert response.get_json()["details"]["code"] == ["Услуга с кодом «A05.10.006» уже есть"]
    patch = client.patch(f"{SERVICES}/{catalog.caries.id}", headers=headers,
                         json={"code": "A05.10.006"})
    assert patch.status_code == 409


def test_patch_changes_fields_and_appends_price_history(client, catalog, api_as):
    manager, headers = api_as("manager")
    url = f"{SERVICES}/{catalog.ecg.id}"
    response = client.patch(url, headers=headers, json={"name": "ЭКГ", "duration": 25})
    assert response.status_code == 200
    assert response.get_json()["name"] == "ЭКГ" and response.get_json()["duration"] == 25
    assert history(catalog.ecg.id) == [(Decimal("1200.00"), None)]  # no price change, no row

    first_row = db.session.scalar(db.select(ServicePrice).where(
        ServicePrice.service_id == catalog.ecg.id))
    first = (first_row.id, first_row.price, first_row.set_at)
    assert client.patch(url, headers=headers, json={"price": 1350}).status_code == 200
    assert client.patch(url, headers=headers, json={"price": 1350}).status_code == 200
    assert client.patch(url, headers=headers, json={"price": 1400.99}).status_code == 200
    assert history(catalog.ecg.id) == [(Decimal("1200.00"), None), (Decimal("1350.00"), manager.id),
                                       (Decimal("1400.99"), manager.id)]
    db.session.expire_all()
    kept = db.session.get(ServicePrice, first[0])
    assert (kept.id, kept.price, kept.set_at) == first  # earlier rows never change
    changes = [e.changes["price"] for e in db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "catalog.price_changed",
        AuditEntry.target_id == str(catalog.ecg.id)).order_by(AuditEntry.id))]
    assert changes == [["1200.00", "1350.00"], ["1350.00", "1400.99"]]


def test_patch_clinics_doctors_category_and_activity(client, catalog, api_as):
    _user, headers = api_as("manager")
    a, b = catalog.clinics
    response = client.patch(f"{SERVICES}/{catalog.loose.id}", headers=headers, json={
        "category": catalog.cardio.id, "clinics": [a.id], "doctors": [catalog.cardiologist.id],
        "is_active": False, "description": None})
    assert response.status_code == 200
    body = response.get_json()
    assert body["category_path"] == "Кардиология" and body["clinics"] == [a.id]
    assert body["doctors"] == [catalog.cardiologist.id] and body["is_active"] is False
    back = client.patch(f"{SERVICES}/{catalog.loose.id}", headers=headers, json={"category": None})
    assert back.get_json()["category"] is None


def test_patch_without_a_body_is_400(client, catalog, api_as):
    _user, headers = api_as("manager")
    for url in (f"{SERVICES}/{catalog.ecg.id}", f"{CATEGORIES}/{catalog.cardio.id}"):
        response = client.patch(url, headers=headers)
        assert response.status_code == 400
        assert response.get_json()["detail"].startswith("Пустой запрос")


def test_patch_unknown_service_is_404(client, catalog, api_as):
    _user, headers = api_as("manager")
    assert client.patch(f"{SERVICES}/999999", headers=headers, json={}).status_code == 404
    assert client.get(f"{SERVICES}/999999", headers=headers).status_code == 404
    assert client.get(f"{SERVICES}/{catalog.ecg.id}", headers=headers).get_json()["code"] == \
        "A05.10.006"


# --- writing categories ----------------------------------------------------------------

def test_create_category_at_the_end_or_at_a_position(client, catalog, api_as):
    _user, headers = api_as("manager")
    response = client.post(CATEGORIES, headers=headers,
                           json={"name": "Ортодонтия", "parent": catalog.dental.id})
    assert response.status_code == 201
    body = response.get_json()
    assert body["parent"] == catalog.dental.id and body["position"] == 2
    assert body["path"] == "Стоматология / Ортодонтия" and body["is_active"] is True
    first = client.post(CATEGORIES, headers=headers, json={"name": "Консультации", "position": 0})
    assert first.status_code == 201 and first.get_json()["parent"] is None
    tree = client.get(TREE, headers=headers).get_json()
    assert [(n["name"], n["position"]) for n in tree] == [
        ("Консультации", 0), ("Стоматология", 1), ("Кардиология", 2)]


def test_category_names_are_unique_among_siblings(client, catalog, api_as):
    _user, headers = api_as("manager")
    response = client.post(CATEGORIES, headers=headers, json={"name": "кардиология"})
    assert response.status_code == 409
    assert response.get_json()["details"]["name"] == ["Здесь уже есть категория «кардиология»"]
    # The same name under another parent is fine.
    assert client.post(CATEGORIES, headers=headers, json={
        "name": "Кардиология", "parent": catalog.dental.id}).status_code == 201
    bad_parent = client.post(CATEGORIES, headers=headers, json={"name": "Х", "parent": 999999})
    assert bad_parent.status_code == 400 and "parent" in bad_parent.get_json()["details"]


def test_patch_category_rename_reorder_move_deactivate(client, catalog, api_as):
    manager, headers = api_as("manager")
    url = f"{CATEGORIES}/{catalog.surgery.id}"
    renamed = client.patch(url, headers=headers, json={"name": "Хирургическая стоматология"})
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Хирургическая стоматология"

    reordered = client.patch(url, headers=headers, json={"position": 0})
    assert reordered.get_json()["position"] == 0
    assert db.session.get(ServiceCategory, catalog.therapy.id).position == 1

    moved = client.patch(url, headers=headers, json={"parent": catalog.cardio.id})
    assert moved.status_code == 200
    assert moved.get_json()["path"] == "Кардиология / Хирургическая стоматология"
    db.session.expire_all()
    assert db.session.get(ServiceCategory, catalog.therapy.id).position == 0  # gap closed

    to_top = client.patch(url, headers=headers, json={"parent": None, "position": 0})
    assert to_top.get_json()["parent"] is None
    tree = client.get(TREE, headers=headers).get_json()
    assert [n["name"] for n in tree] == ["Хирургическая стоматология", "Стоматология",
                                         "Кардиология"]
    assert [n["position"] for n in tree] == [0, 1, 2]

    hidden = client.patch(url, headers=headers, json={"is_active": False})
    assert hidden.get_json()["is_active"] is False
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "catalog.category_updated", AuditEntry.actor_id == manager.id)) == 5


@pytest.mark.parametrize("target", ["dental", "therapy", "endo"])
def test_move_into_own_subtree_is_refused(client, catalog, api_as, target):
    _user, headers = api_as("manager")
    response = client.patch(f"{CATEGORIES}/{catalog.dental.id}", headers=headers,
                            json={"parent": getattr(catalog, target).id})
    assert response.status_code == 400
    message = "Нельзя переместить категорию «Стоматология» в неё саму или в её подкатегорию"
    assert response.get_json()["detail"] == message
    assert response.get_json()["details"]["parent"] == [message]
    db.session.expire_all()
    assert db.session.get(ServiceCategory, catalog.dental.id).parent_id is None


def test_patch_unknown_category_is_404_and_bad_values_400(client, catalog, api_as):
    _user, headers = api_as("manager")
    assert client.patch(f"{CATEGORIES}/999999", headers=headers, json={}).status_code == 404
    url = f"{CATEGORIES}/{catalog.cardio.id}"
    assert client.patch(url, headers=headers, json={"position": -1}).status_code == 400
    assert client.patch(url, headers=headers, json={"name": ""}).status_code == 400
    assert client.patch(url, headers=headers, json={"parent": "x"}).status_code == 400
