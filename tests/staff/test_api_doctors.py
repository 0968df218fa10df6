"""Document 001's doctors: the public list and detail, and favourites."""
from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image

from clinicapp.core.uploads import save_image
from clinicapp.extensions import db
from clinicapp.favorites.models import FavoriteDoctor
from tests.conftest import bearer

from .test_api_employees import assert_error

URL = "/api/v1/doctors"
LIST_FIELDS = {"id", "full_name", "specialization", "photo_url", "rating"}


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [row["full_name"] for row in response.get_json()]


def test_list_is_a_bare_array_of_active_doctors(client, make_employee):
    doctor = make_employee("Активный", specializations=["кардиолог", "терапевт"])
    make_employee("Уволенный", is_active=False)
    make_employee("Регистраторов", is_doctor=False)
    response = client.get(URL)
    assert response.status_code == 200 and response.headers["X-Total-Count"] == "1"
    assert response.get_json() == [{
        "id": doctor.id, "full_name": "Активный Пётр Ильич",
        "specialization": "кардиолог, терапевт", "photo_url": None, "rating": 4.5}]


def test_photo_url_is_absolute(client, make_employee, uploads_in):
    buffer = BytesIO()
    Image.new("RGB", (10, 10), "red").save(buffer, format="PNG")
    buffer.seek(0)
    doctor = make_employee("Фотогенов")
    doctor.photo_path = save_image(buffer, "photo", "staff")
    db.session.commit()
    [row] = client.get(URL).get_json()
    assert row["photo_url"] == f"http://localhost/uploads/{doctor.photo_path}"
    image = client.get(row["photo_url"])
    assert image.status_code == 200 and image.mimetype == "image/png"


def test_search_by_name_is_literal(client, make_employee):
    make_employee("Иванов", first_name="Иван")
    make_employee("Петров_100%", first_name="Пётр")
    make_employee("О'Нил", first_name="Шон")
    assert names(client.get(URL, query_string={"search": "иванов иван"})) == ["Иванов Иван Ильич"]
    assert names(client.get(URL, query_string={"search": "ИВАН"})) == ["Иванов Иван Ильич"]
    assert names(client.get(URL, query_string={"search": "_100%"})) == ["Петров_100% Пётр Ильич"]
    assert names(client.get(URL, query_string={"search": "%"})) == ["Петров_100% Пётр Ильич"]
    assert names(client.get(URL, query_string={"search": "_"})) == ["Петров_100% Пётр Ильич"]
    assert names(client.get(URL, query_string={"search": "О'Нил"})) == ["О'Нил Шон Ильич"]
    assert names(client.get(URL, query_string={"search": "'; DROP TABLE employees; --"})) == []
    assert names(client.get(URL, query_string={"search": "\\"})) == []
    assert_error(client.get(URL, query_string={"search": "Ива\x00нов"}), 400, "search")


def test_clinic_filter(client, branches, make_employee):
    a, b = branches
    make_employee("Аов")
    make_employee("Бов", branches=(b,))
    make_employee("Обоев", branches=(a, b))
    assert names(client.get(URL, query_string={"clinic_id": b.id})) == ["Бов Пётр Ильич",
                                                                        "Обоев Пётр Ильич"]
    assert names(client.get(URL, query_string={"clinic_id": 999_999})) == []


def test_paging(client, make_employee):
    for n in range(5):
        make_employee(f"Врачов{n}")
    page = client.get(URL, query_string={"limit": 2, "offset": 3})
    assert names(page) == ["Врачов3 Пётр Ильич", "Врачов4 Пётр Ильич"]
    assert page.headers["X-Total-Count"] == "5"
    assert len(client.get(URL).get_json()) == 5
    assert names(client.get(URL, query_string={"limit": 100, "offset": 10})) == []


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": -1},
                                    {"offset": -1}, {"offset": 10**20}, {"limit": "many"},
                                    {"clinic_id": "x"}, {"clinic_id": 10**12},
                                    {"clinic_id": 0}, {"search": "x" * 101}])
def test_bad_parameters_are_a_400(client, params):
    assert_error(client.get(URL, query_string=params), 400)


def test_detail(client, branches, make_employee):
    a, b = branches
    doctor = make_employee("Детальный", branches=(a, b), description="Стаж 20 лет")
    response = client.get(f"{URL}/{doctor.id}")
    assert response.status_code == 200
    data = response.get_json()
    assert LIST_FIELDS | {"description"} <= set(data)
    assert data["description"] == "Стаж 20 лет" and data["rating"] == 4.5
    assert data["clinic_ids"] == [a.id, b.id]


def test_detail_of_unknown_inactive_or_non_doctor_is_a_404(client, make_employee):
    gone = make_employee("Ушедший", is_active=False)
    cashier = make_employee("Кассиров", is_doctor=False)
    for doctor_id in (999_999, gone.id, cashier.id, 0):
        body = assert_error(client.get(f"{URL}/{doctor_id}"), 404)
        assert body["error"] == "not_found"
    assert client.get(f"{URL}/99999999999").status_code == 404


def test_favourites_are_idempotent(client, make_user, api_login, make_employee):
    doctor = make_employee("Любимов")
    user = make_user("patient")
    headers = bearer(api_login(user.email)["access"])
    url = f"{URL}/{doctor.id}/favorite"
    count = db.select(db.func.count()).select_from(FavoriteDoctor).where(
        FavoriteDoctor.user_id == user.id)
    for _ in range(2):
        response = client.post(url, headers=headers)
        assert response.status_code == 200
        assert response.get_json() == {"doctor_id": doctor.id, "is_favorite": True}
        assert db.session.scalar(count) == 1
    for _ in range(2):
        response = client.delete(url, headers=headers)
        assert response.status_code == 200 and response.get_json()["is_favorite"] is False
        assert db.session.scalar(count) == 0


def test_favourites_need_a_token_and_a_real_doctor(client, make_user, api_login, make_employee):
    doctor = make_employee("Избранов")
    assert_error(client.post(f"{URL}/{doctor.id}/favorite"), 401)
    assert_error(client.delete(f"{URL}/{doctor.id}/favorite"), 401)
    headers = bearer(api_login(make_user("patient").email)["access"])
    assert_error(client.post(f"{URL}/999999/favorite", headers=headers), 404)
    assert_error(client.delete(f"{URL}/999999/favorite", headers=headers), 404)
