"""Document 001: the public clinics list and details, and favourites."""
from __future__ import annotations

import pytest

from clinicapp.extensions import db
from clinicapp.favorites.models import FavoriteClinic
from clinicapp.org.models import Clinic

CLINICS = "/api/v1/clinics"


def names(response) -> list[str]:
    return [c["name"] for c in response.get_json()]


def test_list_is_public_bare_array_with_total(client, branches):
    response = client.get(CLINICS)
    assert response.status_code == 200
    body = response.get_json()
    assert isinstance(body, list)
    assert names(response) == ["Клиника в Алматы", "Клиника на Арбате"]  # active only
    assert response.headers["X-Total-Count"] == "2"
    item = body[1]
    assert {"id", "name", "address", "logo_url"} <= set(item)
    assert item["id"] == branches.a.id and item["address"] == "г. Москва, Арбат, 1"
    assert item["logo_url"] is None and item["rating"] == 4.7
    assert "is_favorite" not in item  # only for a caller with a token


def test_paging(client, organization):
    db.session.add_all([Clinic(organization=organization, name=f"Клиника {n:02d}")
                        for n in range(1, 26)])
    db.session.commit()
    first = client.get(CLINICS)
    assert len(first.get_json()) == 20 and first.headers["X-Total-Count"] == "25"
    page = client.get(CLINICS, query_string={"limit": 10, "offset": 20})
    assert names(page) == ["Клиника 21", "Клиника 22", "Клиника 23", "Клиника 24", "Клиника 25"]
    assert page.headers["X-Total-Count"] == "25"
    assert len(client.get(CLINICS, query_string={"limit": 100}).get_json()) == 25
    beyond = client.get(CLINICS, query_string={"offset": 500})
    assert beyond.get_json() == [] and beyond.headers["X-Total-Count"] == "25"


@pytest.mark.parametrize("params, field", [
    ({"limit": 0}, "limit"), ({"limit": -1}, "limit"),
    ({"offset": -1}, "offset"), ({"offset": 2**63}, "offset"), ({"limit": "много"}, "limit"),
    ({"search": "a" * 201}, "search"), ({"search": "a\tb"}, "search"),
])
def test_bad_paging_is_400(client, branches, params, field):
    response = client.get(CLINICS, query_string=params)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] and field in body["details"]


@pytest.mark.parametrize("search, expected", [
    ("арбат", ["Клиника на Арбате"]),
    ("КЛИНИКА В", ["Клиника в Алматы"]),
    ("%", ["100% здоровье"]),
    ("_", ["Клиника_1"]),
    ("O'Brien", ["O'Brien Dental"]),
    ('"Улыбка"', ['Центр "Улыбка"']),
    ("\\", ["Слэш \\ клиника"]),
    ("закрытая", []),  # inactive clinics are not public
    ("   ", ["100% здоровье", "O'Brien Dental", "Клиника_1", "Клиника в Алматы",
             "Клиника на Арбате", "Слэш \\ клиника", 'Центр "Улыбка"']),
])
def test_search_by_name_is_literal(client, branches, search, expected):
    for name in ("100% здоровье", "Клиника_1", "O'Brien Dental", 'Центр "Улыбка"',
                 "Слэш \\ клиника"):
        db.session.add(Clinic(organization=branches.a.organization, name=name))
    db.session.commit()
    response = client.get(CLINICS, query_string={"search": search})
    assert response.status_code == 200
    assert sorted(names(response)) == sorted(expected)
    assert response.headers["X-Total-Count"] == str(len(expected))


def test_detail(client, branches):
    response = client.get(f"{CLINICS}/{branches.a.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == branches.a.id and body["name"] == "Клиника на Арбате"
    assert body["address"] == "г. Москва, Арбат, 1"
    assert body["description"] == "Терапия и стоматология"
    assert body["rating"] == 4.7 and isinstance(body["rating"], float)
    assert body["logo_url"] is None
    assert body["opening_hours"] == {"mon": [["09:00", "21:00"]]}
    assert body["latitude"] == 55.752 and body["longitude"] == 37.592
    assert body["timezone"] == "Europe/Moscow"


def test_detail_of_unknown_or_inactive_clinic_is_404(client, branches):
    for clinic_id in (branches.off.id, 999999):
        response = client.get(f"{CLINICS}/{clinic_id}")
        assert response.status_code == 404
        body = response.get_json()
        assert body["error"] == "not_found" and body["detail"] == "Клиника не найдена"
    assert client.get(f"{CLINICS}/abc").status_code == 404


def test_logo_url_is_absolute(client, branches):
    branches.a.logo_path = "clinics/logo.png"
    branches.a.photos = ["clinics/p1.jpg"]
    db.session.commit()
    body = client.get(f"{CLINICS}/{branches.a.id}").get_json()
    assert body["logo_url"] == "http://localhost/uploads/clinics/logo.png"
    assert body["photo_urls"] == ["http://localhost/uploads/clinics/p1.jpg"]
    listed = {c["id"]: c for c in client.get(CLINICS).get_json()}
    assert listed[branches.a.id]["logo_url"] == "http://localhost/uploads/clinics/logo.png"


def test_favourites(client, branches, quick_user, api_token):
    headers = {"Authorization": f"Bearer {api_token('patient')}"}
    url = f"{CLINICS}/{branches.a.id}/favorite"
    for _ in range(2):  # idempotent
        response = client.post(url, headers=headers)
        assert response.status_code == 200
        assert response.get_json() == {"clinic_id": branches.a.id, "is_favorite": True}
    assert db.session.scalar(db.select(db.func.count()).select_from(FavoriteClinic)) == 1
    listed = {c["id"]: c["is_favorite"] for c in client.get(CLINICS, headers=headers).get_json()}
    assert listed == {branches.a.id: True, branches.b.id: False}
    assert client.get(f"{CLINICS}/{branches.a.id}", headers=headers).get_json()["is_favorite"]
    for _ in range(2):
        response = client.delete(url, headers=headers)
        assert response.status_code == 200
        assert response.get_json() == {"clinic_id": branches.a.id, "is_favorite": False}
    assert db.session.scalar(db.select(db.func.count()).select_from(FavoriteClinic)) == 0
    assert client.get(f"{CLINICS}/{branches.a.id}",
                      headers=headers).get_json()["is_favorite"] is False


def test_favourites_are_per_user(client, branches, api_token):
    first, second = api_token("patient"), api_token("patient")
    client.post(f"{CLINICS}/{branches.a.id}/favorite",
                headers={"Authorization": f"Bearer {first}"})
    listed = client.get(CLINICS, headers={"Authorization": f"Bearer {second}"}).get_json()
    assert not any(c["is_favorite"] for c in listed)


def test_favourite_of_unknown_clinic_is_404(client, branches, api_headers):
    headers = api_headers("patient")
    for clinic_id in (999999, branches.off.id):
        for method in (client.post, client.delete):
            response = method(f"{CLINICS}/{clinic_id}/favorite", headers=headers)
            assert response.status_code == 404
            assert response.get_json()["error"] == "not_found"


def test_favourites_need_a_token(client, branches):
    url = f"{CLINICS}/{branches.a.id}/favorite"
    assert client.post(url).status_code == 401
    assert client.delete(url).status_code == 401
    assert client.post(url, headers={"Authorization": "Bearer broken"}).status_code == 401


def test_a_bad_token_on_a_public_endpoint_is_401(client, branches, quick_user):
    for url in (CLINICS, f"{CLINICS}/{branches.a.id}"):
        response = client.get(url, headers={"Authorization": "Bearer not.a.token"})
        assert response.status_code == 401
        assert response.get_json()["error"] == "not_authenticated"


def test_a_revoked_token_on_a_public_endpoint_is_401(client, branches, api_token):
    token = api_token("patient")
    assert client.post("/api/v1/auth/logout",
                       headers={"Authorization": f"Bearer {token}"}).status_code == 200
    response = client.get(CLINICS, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_routes_are_documented(client):
    spec = client.get("/api/openapi.json").get_json()
    paths = spec["paths"]
    assert {"/api/v1/clinics", "/api/v1/clinics/{clinic_id}",
            "/api/v1/clinics/{clinic_id}/favorite", "/api/v1/org/branches",
            "/api/v1/org/clinic-info"} <= set(paths)
    assert set(paths["/api/v1/clinics"]["get"]["responses"]) >= {"200", "400", "401"}
    assert "X-Total-Count" in paths["/api/v1/clinics"]["get"]["responses"]["200"]["headers"]
    assert {"200", "401", "404"} <= set(paths["/api/v1/clinics/{clinic_id}/favorite"]["post"]
                                        ["responses"])
    assert set(paths["/api/v1/org/clinic-info"]["patch"]["responses"]) >= {
        "200", "400", "401", "403"}
