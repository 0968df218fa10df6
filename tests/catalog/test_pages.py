"""Price list pages: the tree, the service form, inline category edits, drag-and-drop moves."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from clinicapp.catalog import services
from clinicapp.catalog.models import Service, ServiceCategory, ServicePrice
from clinicapp.extensions import db
from tests.conftest import csrf_token

INDEX = "/catalog/"
NEW = "/catalog/services/new"
NNBSP = "\u202f"


def meta_token(client) -> str:
    return csrf_token(client.get(INDEX).get_data(as_text=True))


def service_form(**fields) -> dict:
    data = {"code": "B01.029.001", "name": "Приём офтальмолога", "category": "",
            "price": "2 500,00", "duration": "30", "description": "", "is_active": "y"}
    data.update(fields)
    return data


def assert_no_inline_code(html: str) -> None:
    # JSON data blocks (a page's words for its script) are data, not code: CSP allows them.
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
                         html), "inline <script>"
    assert "<style" not in html and " style=" not in html


# --- who sees what ------------------------------------------------------------------

def test_anonymous_goes_to_login(client, catalog):
    response = client.get(INDEX)
    assert response.status_code == 302 and "/login" in response.location


def test_patient_is_refused(client, catalog, web_as):
    web_as("patient")
    assert client.get(INDEX).status_code == 403
    assert client.get(f"/catalog/services/{catalog.ecg.id}").status_code == 403


def test_doctor_sees_the_tree_read_only(client, catalog, web_as):
    web_as("doctor")
    response = client.get(INDEX)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in ("Стоматология", "Эндодонтия", "Пломбирование канала", "A16.07.008.001",
                 f"4{NNBSP}500,50{NNBSP}₽", "Без категории", "Справка для бассейна", "скрыта"):
        assert text in page, text
    assert "Новая услуга" not in page and "cat-handle" not in page
    assert "data-sortable" not in page and "Sortable.min.js" not in page
    assert_no_inline_code(page)
    assert client.get(NEW).status_code == 403
    assert client.get("/catalog/export.xlsx").status_code == 403


def test_doctor_sees_a_service_and_its_history_but_cannot_change_it(client, catalog, web_as):
    web_as("doctor")
    url = f"/catalog/services/{catalog.ecg.id}"
    page = client.get(url).get_data(as_text=True)
    assert "История цен" in page and f"1{NNBSP}200,00{NNBSP}₽" in page
    assert '<fieldset class="plain" disabled>' in page
    token = csrf_token(page)
    response = client.post(url, data=service_form(csrf_token=token, price="1"))
    assert response.status_code == 403
    assert db.session.get(Service, catalog.ecg.id).price == Decimal("1200.00")


def test_manager_gets_the_drag_and_drop_tree(client, catalog, web_as):
    web_as("manager")
    page = client.get(INDEX).get_data(as_text=True)
    assert "Новая услуга" in page and "cat-handle" in page and "data-sortable" in page
    assert "/static/vendor/sortablejs-1.15.7/Sortable.min.js" in page
    assert "/static/js/catalog.js" in page and "/static/css/catalog.css" in page
    assert f'data-move-url="/catalog/categories/{catalog.endo.id}/move"' in page
    assert '<meta name="csrf-token"' in page
    assert_no_inline_code(page)


def test_htmx_gets_the_tree_fragment_alone(client, catalog, web_as):
    web_as("doctor")
    response = client.get(INDEX, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True).strip()
    assert response.status_code == 200
    assert html.startswith('<div id="catalog-tree"') and "<html" not in html
    assert "Эндодонтия" in html


def test_user_text_is_escaped(client, catalog, web_as):
    services.create_service(None, code="XSS-1", name="<script>alert(1)</script>", price=1,
                            duration=5)
    services.create_category(None, name='<img src=x onerror="alert(2)">')
    db.session.commit()
    web_as("manager")
    page = client.get(INDEX).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page and "&lt;img src=x" in page


# --- the service form ---------------------------------------------------------------------

def test_new_service_form_shows_paths_clinics_and_doctors(client, catalog, web_as):
    web_as("manager")
    page = client.get(NEW, query_string={"category": catalog.endo.id}).get_data(as_text=True)
    assert f'<option selected value="{catalog.endo.id}">Стоматология / Терапия / Эндодонтия' \
        in page
    assert "Клиника А" in page and catalog.cardiologist.full_name in page
    assert "История цен" not in page


def test_create_a_service_through_the_form(client, catalog, web_as):
    manager = web_as("manager")
    token = csrf_token(client.get(NEW).get_data(as_text=True))
    a, b = catalog.clinics
    response = client.post(NEW, data=service_form(
        csrf_token=token, category=str(catalog.dental.id), clinics=[str(a.id), str(b.id)],
        doctors=[str(catalog.dentist.id)]))
    assert response.status_code == 302 and response.location == INDEX
    service = db.session.scalar(db.select(Service).where(Service.code == "B01.029.001"))
    assert service.price == Decimal("2500.00") and service.duration_minutes == 30
    assert [c.id for c in service.clinics] == [a.id, b.id]
    assert [d.id for d in service.doctors] == [catalog.dentist.id]
    rows = list(db.session.scalars(db.select(ServicePrice).where(
        ServicePrice.service_id == service.id)))
    assert [(r.price, r.changed_by_id) for r in rows] == [(Decimal("2500.00"), manager.id)]
    assert "Услуга «Приём офтальмолога» добавлена" in client.get(INDEX).get_data(as_text=True)


@pytest.mark.parametrize("fields, message", [
    ({"price": "дорого"}, "Цена не число"),
    ({"price": "-10"}, "Цена меньше нуля"),
    ({"duration": "0"}, "Длительность должна быть от 1 до 720 минут"),
    ({"duration": "полчаса"}, "Длительность не целое число"),
    ({"code": "A05.10.006"}, "Услуга с кодом «A05.10.006» уже есть"),
    ({"name": ""}, "Обязательное поле"),
])
def test_form_errors_are_shown_under_the_field(client, catalog, web_as, fields, message):
    web_as("manager")
    token = csrf_token(client.get(NEW).get_data(as_text=True))
    response = client.post(NEW, data=service_form(csrf_token=token, **fields))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<div class="field-error">{message}</div>' in page
    assert db.session.scalar(db.select(Service).where(Service.code == "B01.029.001")) is None


def test_form_without_csrf_is_refused(client, catalog, web_as):
    web_as("manager")
    response = client.post(NEW, data=service_form())
    assert response.status_code == 400
    assert db.session.scalar(db.select(Service).where(Service.code == "B01.029.001")) is None


def test_edit_changes_the_price_and_shows_the_history(client, catalog, web_as):
    manager = web_as("manager")
    url = f"/catalog/services/{catalog.ecg.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="1200.00"' in page and "disabled" not in page.split("<form")[1][:300]
    response = client.post(url, data=service_form(
        csrf_token=csrf_token(page), code="A05.10.006", name="ЭКГ", price="1 350",
        duration="20", category=str(catalog.cardio.id), clinics=[str(catalog.clinics[1].id)]))
    assert response.status_code == 302 and response.location == url
    page = client.get(url).get_data(as_text=True)
    assert "Услуга «ЭКГ» сохранена" in page
    history = page.split("История цен")[1]
    assert history.index(f"1{NNBSP}350,00") < history.index(f"1{NNBSP}200,00")
    assert manager.full_name in history
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", history)
    assert db.session.scalar(db.select(db.func.count()).select_from(ServicePrice).where(
        ServicePrice.service_id == catalog.ecg.id)) == 2


def test_unknown_service_page_is_404(client, catalog, web_as):
    web_as("manager")
    assert client.get("/catalog/services/999999").status_code == 404


# --- inline category edits ---------------------------------------------------------------

def test_add_a_category_with_htmx(client, catalog, web_as):
    web_as("manager")
    token = meta_token(client)
    response = client.post("/catalog/categories", headers={"HX-Request": "true"},
                           data={"csrf_token": token, "name": "Ортодонтия",
                                 "parent": str(catalog.dental.id)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.strip().startswith('<div id="catalog-tree"')
    assert "Категория «Ортодонтия» добавлена" in html
    category = db.session.scalar(db.select(ServiceCategory).where(
        ServiceCategory.name == "Ортодонтия"))
    assert category.parent_id == catalog.dental.id and category.position == 2


def test_add_a_category_without_javascript(client, catalog, web_as):
    web_as("manager")
    response = client.post("/catalog/categories",
                           data={"csrf_token": meta_token(client), "name": "Кардиология"})
    assert response.status_code == 302 and response.location == INDEX
    assert "Здесь уже есть категория «Кардиология»" in client.get(INDEX).get_data(as_text=True)


def test_rename_move_and_hide_a_category_inline(client, catalog, web_as):
    web_as("manager")
    response = client.post(f"/catalog/categories/{catalog.surgery.id}",
                           headers={"HX-Request": "true"},
                           data={"csrf_token": meta_token(client), "name": "Хирургия зубов",
                                 "parent": ""})
    assert response.status_code == 200
    db.session.expire_all()
    surgery = db.session.get(ServiceCategory, catalog.surgery.id)
    assert (surgery.name, surgery.parent_id, surgery.is_active) == ("Хирургия зубов", None, False)
    refused = client.post(f"/catalog/categories/{catalog.dental.id}",
                          headers={"HX-Request": "true"},
                          data={"csrf_token": meta_token(client), "name": "Стоматология",
                                "parent": str(catalog.endo.id), "is_active": "y"})
    assert refused.status_code == 400
    assert "в неё саму или в её подкатегорию" in refused.get_data(as_text=True)


def test_category_edits_need_catalog_manage(client, catalog, web_as):
    web_as("doctor")
    token = meta_token(client)
    assert client.post("/catalog/categories",
                       data={"csrf_token": token, "name": "Х"}).status_code == 403
    assert client.post(f"/catalog/categories/{catalog.cardio.id}/move",
                       json={"parent_id": None, "position": 0},
                       headers={"X-CSRFToken": token}).status_code == 403


# --- the drag-and-drop move endpoint -------------------------------------------------------

def move(client, category_id, body, token=None):
    headers = {"HX-Request": "true"}
    if token:
        headers["X-CSRFToken"] = token
    return client.post(f"/catalog/categories/{category_id}/move", json=body, headers=headers)


def test_move_with_csrf_reorders_and_moves(client, catalog, web_as):
    web_as("manager")
    token = meta_token(client)
    response = move(client, catalog.cardio.id, {"parent_id": None, "position": 0}, token)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.strip().startswith('<div id="catalog-tree"') and "<html" not in html
    assert "Категория «Кардиология» перенесена" in html
    db.session.expire_all()
    assert db.session.get(ServiceCategory, catalog.cardio.id).position == 0
    assert db.session.get(ServiceCategory, catalog.dental.id).position == 1

    response = move(client, catalog.surgery.id, {"parent_id": catalog.therapy.id, "position": 0},
                    token)
    assert response.status_code == 200
    db.session.expire_all()
    surgery = db.session.get(ServiceCategory, catalog.surgery.id)
    assert (surgery.parent_id, surgery.position) == (catalog.therapy.id, 0)
    assert db.session.get(ServiceCategory, catalog.endo.id).position == 1


def test_move_accepts_a_form_body_too(client, catalog, web_as):
    web_as("manager")
    response = client.post(f"/catalog/categories/{catalog.endo.id}/move",
                           data={"csrf_token": meta_token(client), "parent_id": "",
                                 "position": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    db.session.expire_all()
    endo = db.session.get(ServiceCategory, catalog.endo.id)
    assert (endo.parent_id, endo.position) == (None, 1)


def test_move_without_csrf_is_refused(client, catalog, web_as):
    web_as("manager")
    response = move(client, catalog.cardio.id, {"parent_id": None, "position": 0})
    assert response.status_code == 400
    assert "Сессия устарела" in response.get_data(as_text=True)
    response = move(client, catalog.cardio.id, {"parent_id": None, "position": 0}, "wrong")
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(ServiceCategory, catalog.cardio.id).position == 1


def test_move_into_own_subtree_shows_the_message_and_the_unchanged_tree(client, catalog, web_as):
    web_as("manager")
    response = move(client, catalog.dental.id, {"parent_id": catalog.endo.id, "position": 0},
                    meta_token(client))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert html.strip().startswith('<div id="catalog-tree"')
    assert ("Нельзя переместить категорию «Стоматология» в неё саму или в её подкатегорию"
            in html)
    db.session.expire_all()
    dental = db.session.get(ServiceCategory, catalog.dental.id)
    assert (dental.parent_id, dental.position) == (None, 0)


@pytest.mark.parametrize("body", [{"parent_id": "x", "position": 0},
                                  {"parent_id": None, "position": -2},
                                  {"parent_id": 999999, "position": 0}])
def test_move_with_bad_data_is_400(client, catalog, web_as, body):
    web_as("manager")
    response = move(client, catalog.cardio.id, body, meta_token(client))
    assert response.status_code == 400
    assert 'id="catalog-tree"' in response.get_data(as_text=True)


def test_move_of_unknown_category_is_404(client, catalog, web_as):
    web_as("manager")
    response = move(client, 999999, {"parent_id": None, "position": 0}, meta_token(client))
    assert response.status_code == 404
