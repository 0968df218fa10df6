"""Document 001: GET /api/v1/services and /api/v1/services/{id} — public, active services only."""
from __future__ import annotations

import pytest

from clinicapp.catalog import services
from clinicapp.extensions import db

LIST = "/api/v1/services"


def names(response) -> list[str]:
    return [item["name"] for item in response.get_json()]


def test_list_is_a_bare_array_of_active_services_with_the_total(client, catalog):
    response = client.get(LIST)
    assert response.status_code == 200
    body = response.get_json()
    assert isinstance(body, list)
    assert response.headers["X-Total-Count"] == "4"  # the inactive extraction is not there
    assert names(response) == ["Лечение кариеса", "Пломбирование канала", "Справка для бассейна",
                               "ЭКГ с расшифровкой"]
    caries = body[0]
    assert caries == {"id": catalog.caries.id, "name": "Лечение кариеса",
                      "description": "Пломба из фотополимера", "price": 6500.0, "duration": 60}
    assert isinstance(body[1]["price"], float) and body[1]["price"] == 4500.5
    assert body[2]["description"] is None


def test_list_needs_no_token(client, catalog):
    response = client.get(LIST, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 200


def test_services_of_a_hidden_category_are_not_public(client, catalog):
    services.update_category(None, catalog.dental, is_active=False)
    db.session.commit()
    assert names(client.get(LIST)) == ["Справка для бассейна", "ЭКГ с расшифровкой"]
    assert client.get(f"{LIST}/{catalog.canal.id}").status_code == 404


def test_paging(client, catalog):
    response = client.get(LIST, query_string={"limit": 2, "offset": 1})
    assert names(response) == ["Пломбирование канала", "Справка для бассейна"]
    assert response.headers["X-Total-Count"] == "4"
    assert client.get(LIST, query_string={"offset": 10}).get_json() == []


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": -1}, {"offset": -1},
                                   {"limit": "abc"}, {"clinic_id": "x"}, {"doctor_id": 0},
                                   {"offset": 10**30}, {"clinic_id": 2**31}])
def test_bad_paging_or_filters_are_400(client, catalog, query):
    response = client.get(LIST, query_string=query)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] and body["detail"]
    assert set(body["details"]) & set(query)


def test_limit_100_is_allowed(client, catalog):
    assert client.get(LIST, query_string={"limit": 100}).status_code == 200


def test_filters_by_clinic_and_doctor(client, catalog):
    a, b = catalog.clinics
    assert names(client.get(LIST, query_string={"clinic_id": b.id})) == [
        "Пломбирование канала", "ЭКГ с расшифровкой"]
    assert names(client.get(LIST, query_string={"doctor_id": catalog.dentist.id})) == [
        "Лечение кариеса", "Пломбирование канала"]
    both = client.get(LIST, query_string={"clinic_id": b.id, "doctor_id": catalog.dentist.id})
    assert names(both) == ["Пломбирование канала"]
    assert both.headers["X-Total-Count"] == "1"
    assert client.get(LIST, query_string={"clinic_id": 999999}).get_json() == []


def test_search_by_name_is_case_insensitive(client, catalog):
    assert names(client.get(LIST, query_string={"search": "КАРИЕС"})) == ["Лечение кариеса"]


@pytest.mark.parametrize("text", ["100%", "a_b", "O'Brien", '"кавычки"'])
def test_search_treats_wildcards_and_quotes_as_text(client, catalog, text):
    services.create_service(None, code=f"T-{len(text)}", name=f"Услуга {text}", price=1,
                            duration=10)
    services.create_service(None, code="T-decoy", name="Услуга 1000 aXb OBrien кавычки",
                            price=1, duration=10)
    db.session.commit()
    assert names(client.get(LIST, query_string={"search": text})) == [f"Услуга {text}"]


def test_detail_has_the_documented_fields(client, catalog):
    response = client.get(f"{LIST}/{catalog.caries.id}")
    assert response.status_code == 200
    assert response.get_json() == {
        "id": catalog.caries.id, "name": "Лечение кариеса", "description": "Пломба из фотополимера",
        "price": 6500.0, "duration": 60, "clinic_id": catalog.clinics[0].id,
        "doctor_id": catalog.dentist.id, "clinic_ids": [catalog.clinics[0].id],
        "doctor_ids": [catalog.dentist.id]}


def test_detail_with_several_clinics_and_doctors_is_null_unless_the_request_names_one(client,
                                                                                      catalog):
    a, b = catalog.clinics
    url = f"{LIST}/{catalog.canal.id}"
    body = client.get(url).get_json()
    assert body["clinic_id"] is None and body["doctor_id"] is None
    assert body["clinic_ids"] == [a.id, b.id]
    assert body["doctor_ids"] == [catalog.dentist.id, catalog.dentist2.id]

    named = client.get(url, query_string={"clinic_id": b.id, "doctor_id": catalog.dentist2.id})
    assert named.get_json()["clinic_id"] == b.id
    assert named.get_json()["doctor_id"] == catalog.dentist2.id

    # A clinic or doctor that does not provide the service is not taken.
    other = client.get(url, query_string={"clinic_id": 999999,
                                          "doctor_id": catalog.cardiologist.id})
    assert other.get_json()["clinic_id"] is None and other.get_json()["doctor_id"] is None


def test_detail_single_clinic_wins_over_the_request(client, catalog):
    a, b = catalog.clinics
    body = client.get(f"{LIST}/{catalog.caries.id}", query_string={"clinic_id": b.id}).get_json()
    assert body["clinic_id"] == a.id


def test_detail_without_clinics_or_doctors(client, catalog):
    body = client.get(f"{LIST}/{catalog.loose.id}").get_json()
    assert body["clinic_id"] is None and body["doctor_id"] is None
    assert body["clinic_ids"] == [] and body["doctor_ids"] == []


def test_detail_leaves_out_inactive_doctors(client, catalog):
    catalog.dentist2.is_active = False
    db.session.commit()
    body = client.get(f"{LIST}/{catalog.canal.id}").get_json()
    assert body["doctor_ids"] == [catalog.dentist.id]
    assert body["doctor_id"] == catalog.dentist.id


def test_detail_of_unknown_or_inactive_service_is_404(client, catalog):
    for url in (f"{LIST}/999999", f"{LIST}/{catalog.extraction.id}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.get_json()["detail"] == "Услуга не найдена"
    assert client.get(f"{LIST}/99999999999").status_code == 404  # beyond integer: no 500


def test_fixed_paths_never_reach_the_service_detail(client, catalog, api_as):
    """Issue 7: /services/services and /services/categories/tree have their own shapes."""
    _user, headers = api_as("manager")

    staff_list = client.get("/api/v1/services/services", headers=headers)
    assert staff_list.status_code == 200
    assert isinstance(staff_list.get_json(), list)
    assert {"code", "category", "is_active"} <= set(staff_list.get_json()[0])

    tree = client.get("/api/v1/services/categories/tree", headers=headers)
    assert tree.status_code == 200
    assert {"children", "services_count", "position"} <= set(tree.get_json()[0])

    # Without a token they are the staff endpoints still: 401, not a service detail.
    assert client.get("/api/v1/services/services").status_code == 401
    assert client.get("/api/v1/services/categories/tree").status_code == 401

    detail = client.get(f"/api/v1/services/{catalog.caries.id}")
    assert set(detail.get_json()) == {"id", "name", "description", "price", "duration",
                                      "clinic_id", "doctor_id", "clinic_ids", "doctor_ids"}
    for path in ("/api/v1/services/abc", "/api/v1/services/categories",
                 "/api/v1/services/-1", "/api/v1/services/1.5"):
        response = client.get(path)
        assert response.status_code in (404, 405), path
        assert response.get_json()["error"] in ("not_found", "method_not_allowed")
    assert client.get("/api/v1/services/abc").status_code == 404
