"""Staff pages: who may open them, the list with htmx filters, the employee form
(validation, photo upload), the access card (grant, revoke), escaping, CSRF."""
from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image

from clinicapp.auth.models import User
from clinicapp.extensions import db
from clinicapp.staff.models import Employee
from tests.conftest import csrf_token

INDEX, NEW = "/staff/", "/staff/new"
FORBIDDEN = "Недостаточно прав для этого действия"


def png(color: str = "blue") -> BytesIO:
    buffer = BytesIO()
    Image.new("RGB", (300, 200), color).save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def form_data(client, url: str, **fields) -> dict:
    data = {"csrf_token": csrf_token(client.get(url).get_data(as_text=True)),
            "last_name": "Новиков", "first_name": "Олег", "middle_name": "", "position": "Врач",
            "specializations": "терапевт, кардиолог", "phone": "+7 916 111-22-33",
            "email": "novikov.o@clinic.test", "hire_date": "2023-09-01", "color": "#4caf50",
            "description": "", "is_doctor": "y", "rating": "4.7", "is_active": "y",
            "branches": []}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def employee_named(last_name: str) -> Employee | None:
    return db.session.scalar(db.select(Employee).where(Employee.last_name == last_name))


# --- who may open the pages ----------------------------------------------------------

def test_anonymous_is_sent_to_login(client):
    response = client.get(INDEX)
    assert response.status_code == 302 and response.location.startswith("/login")


@pytest.mark.parametrize("role, list_status, new_status", [
    ("admin", 200, 200), ("manager", 200, 200), ("receptionist", 200, 403),
    ("cashier", 200, 403), ("doctor", 200, 403), ("patient", 403, 403)])
def test_pages_per_role(client, web_as, branches, role, list_status, new_status):
    web_as(role, branches=[branches[0]])
    index = client.get(INDEX)
    assert index.status_code == list_status
    assert client.get(NEW).status_code == new_status
    if list_status == 200:
        html = index.get_data(as_text=True)
        assert "<h1>Сотрудники</h1>" in html and 'id="staff-table"' in html
        assert ("Новый сотрудник" in html) is (new_status == 200)
    else:
        assert FORBIDDEN in index.get_data(as_text=True)


# --- the list ------------------------------------------------------------------------

def test_list_shows_only_my_branches_employees_and_filters(client, web_as, branches,
                                                           make_employee):
    a, b = branches
    make_employee("Видимов")
    make_employee("Скрытов", branches=(b,))
    make_employee("Регистраторов", is_doctor=False)
    make_employee("Уволенов", is_active=False)
    web_as("receptionist", branches=[a])
    html = client.get(INDEX).get_data(as_text=True)
    assert "Видимов" in html and "Регистраторов" in html
    assert "Скрытов" not in html and "Уволенов" not in html
    assert f'<option value="{a.id}"' in html and f'<option value="{b.id}"' not in html
    doctors = client.get(INDEX, query_string={"doctors": "1"}).get_data(as_text=True)
    assert "Видимов" in doctors and "Регистраторов" not in doctors
    inactive = client.get(INDEX, query_string={"status": "inactive"}).get_data(as_text=True)
    assert "Уволенов" in inactive and "Видимов" not in inactive
    found = client.get(INDEX, query_string={"q": "видим"}).get_data(as_text=True)
    assert "Видимов" in found and "Регистраторов" not in found
    assert "Видимов" not in client.get(INDEX, query_string={"q": "%"}).get_data(as_text=True)
    assert client.get(INDEX, query_string={"branch": b.id}).status_code == 403


def test_htmx_gets_the_table_fragment_alone(client, web_as, branches, make_employee):
    make_employee("Фрагментов")
    web_as("manager", branches=[branches[0]])
    response = client.get(INDEX, query_string={"q": "фрагм"}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.startswith('<div id="staff-table"')
    assert "<html" not in html and "Фрагментов" in html


def test_user_text_is_escaped(client, web_as, branches, make_employee):
    evil = '<script>alert("x")</script>'
    employee = make_employee(evil, position=evil, description=evil, specializations=[evil])
    web_as("manager", branches=[branches[0]])
    for url in (INDEX, f"/staff/{employee.id}", INDEX + "?q=%3Cscript"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "&lt;script&gt;alert" in html, url
    not_found = client.get(INDEX, query_string={"q": evil}).get_data(as_text=True)
    assert "<script>alert" not in not_found


# --- the employee form ---------------------------------------------------------------

def test_create_through_the_form_with_a_photo(client, web_as, branches, uploads_in):
    a, _b = branches
    web_as("manager", branches=[a])
    data = form_data(client, NEW, branches=[str(a.id)], photo=(png(), "me.png"))
    response = client.post(NEW, data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    employee = employee_named("Новиков")
    assert response.location == f"/staff/{employee.id}"
    assert employee.phone == "+79161112233" and employee.color == "#4CAF50"
    assert employee.specializations == ["терапевт", "кардиолог"]
    assert [br.id for br in employee.branches] == [a.id] and str(employee.rating) == "4.7"
    assert employee.hire_date.isoformat() == "2023-09-01"
    assert (uploads_in / employee.photo_path).is_file()
    page = client.get(response.location).get_data(as_text=True)
    assert "добавлен" in page and f'/uploads/{employee.photo_path}' in page
    photo = client.get(f"/uploads/{employee.photo_path}")
    assert photo.status_code == 200 and photo.mimetype == "image/png"


@pytest.mark.parametrize("field, value, message", [
    ("color", "#12345", "Цвет в формате #RRGGBB"),
    ("color", "blue", "Цвет в формате #RRGGBB"),
    ("phone", "123", "телефон"),
    ("email", "mail@", "Неверный e-mail"),
    ("last_name", "", "Обязательное поле"),
    ("hire_date", "31.02.2024", "Неверная дата"),
    ("rating", "пять", "Нужно число"),
    ("rating", "7", "от 0 до 5"),
])
def test_form_validation_shows_russian_messages(client, web_as, branches, field, value,
                                                message):
    a, _b = branches
    web_as("manager", branches=[a])
    response = client.post(NEW, data=form_data(client, NEW, branches=[str(a.id)],
                                               **{field: value}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message.lower() in html.lower()
    assert 'class="field-error"' in html and employee_named("Новиков") is None


def test_a_file_that_is_not_an_image_is_refused(client, web_as, branches, uploads_in):
    a, _b = branches
    web_as("manager", branches=[a])
    data = form_data(client, NEW, branches=[str(a.id)],
                     photo=(BytesIO(b"<svg onload=alert(1)>"), "x.png"))
    response = client.post(NEW, data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Нужна картинка JPEG, PNG или WebP" in response.get_data(as_text=True)
    assert employee_named("Новиков") is None


def test_branch_is_required_for_a_manager_and_limited_to_theirs(client, web_as, branches):
    a, b = branches
    web_as("manager", branches=[a])
    response = client.post(NEW, data=form_data(client, NEW))
    assert response.status_code == 400
    assert "Укажите хотя бы один филиал" in response.get_data(as_text=True)
    response = client.post(NEW, data=form_data(client, NEW, branches=[str(b.id)]))
    assert response.status_code == 400 and employee_named("Новиков") is None


def test_edit_page_shows_the_employee_and_saves(client, web_as, branches, make_employee,
                                                uploads_in):
    a, _b = branches
    employee = make_employee("Правкин", specializations=["ЛОР", "терапевт"])
    web_as("manager", branches=[a])
    url = f"/staff/{employee.id}"
    html = client.get(url).get_data(as_text=True)
    assert 'value="Правкин"' in html and 'value="ЛОР, терапевт"' in html
    assert 'type="color"' in html and 'value="#2196F3"' in html and 'type="file"' in html
    assert "Доступ в систему" in html
    response = client.post(url, data=form_data(client, url, last_name="Правкин",
                                               branches=[str(a.id)], color="#ff0000",
                                               photo=(png("green"), "new.png")),
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.location == url
    db.session.refresh(employee)
    assert employee.color == "#FF0000" and employee.photo_path.startswith("staff/")
    assert "Изменения сохранены" in client.get(url).get_data(as_text=True)


def test_viewers_see_the_card_read_only(client, web_as, branches, make_employee):
    a, b = branches
    employee = make_employee("Смотрибельный", phone="+79161234567")
    theirs = make_employee("Чужак", branches=(b,))
    web_as("receptionist", branches=[a])
    url = f"/staff/{employee.id}"
    html = client.get(url).get_data(as_text=True)
    assert "+7 916 123-45-67" in html and "15.01.2020" in html
    assert "<form method=\"post\" class=\"card staff-form\"" not in html
    assert "Доступ в систему" not in html
    token = csrf_token(html)
    response = client.post(url, data={"csrf_token": token, "last_name": "Взлом",
                                      "first_name": "Х", "color": "#000000"})
    assert response.status_code == 403
    assert client.get(f"/staff/{theirs.id}").status_code == 403
    assert client.get("/staff/999999").status_code == 404


def test_posting_without_csrf_is_refused(client, web_as, branches):
    web_as("manager", branches=[branches[0]])
    response = client.post(NEW, data={"last_name": "Безтокенов", "first_name": "А"})
    assert response.status_code == 400 and employee_named("Безтокенов") is None


# --- the access card -----------------------------------------------------------------

def test_grant_and_revoke_through_the_page(client, web_as, branches, make_employee):
    a, _b = branches
    employee = make_employee("Карточкин", email="kartochkin@clinic.test")
    web_as("manager", branches=[a])
    url = f"/staff/{employee.id}"
    html = client.get(url).get_data(as_text=True)
    assert "Выдать доступ" in html and 'name="access-role"' in html
    response = client.post(f"{url}/access", data={
        "csrf_token": csrf_token(html), "access-role": "receptionist",
        "access-password": "page-granted-1", "access-username": "", "access-email": ""})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Доступ выдан: логин kartochkin@clinic.test" in page
    assert "Администратор регистратуры" in page and "data-confirm=" in page
    user = db.session.get(Employee, employee.id).user
    assert user.role == "receptionist" and user.is_active

    response = client.post(f"{url}/access/revoke", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert db.session.get(User, user.id).is_active is False
    page = client.get(url).get_data(as_text=True)
    assert "Доступ отозван" in page and "доступ отозван" in page


def test_grant_errors_are_shown_on_the_card(client, web_as, branches, make_employee):
    a, _b = branches
    employee = make_employee("Ошибкин", email=None)
    web_as("manager", branches=[a])
    url = f"/staff/{employee.id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    response = client.post(f"{url}/access", data={
        "csrf_token": token, "access-role": "admin", "access-password": "page-granted-1"})
    assert response.status_code == 403
    assert "может выдать только администратор" in response.get_data(as_text=True)
    response = client.post(f"{url}/access", data={
        "csrf_token": token, "access-role": "doctor", "access-password": "page-granted-1"})
    assert response.status_code == 400
    assert "укажите e-mail для учётной записи" in response.get_data(as_text=True)
    response = client.post(f"{url}/access", data={
        "csrf_token": token, "access-role": "doctor", "access-password": "short"})
    assert response.status_code == 400 and "Не короче 8 символов" in response.get_data(
        as_text=True)


def test_access_forms_need_staff_manage(client, web_as, branches, make_employee):
    a, _b = branches
    employee = make_employee("Недоступный", email="nedost@clinic.test")
    web_as("doctor", branches=[a])
    url = f"/staff/{employee.id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    assert client.post(f"{url}/access", data={"csrf_token": token, "access-role": "doctor",
                                              "access-password": "x" * 10}).status_code == 403
    assert client.post(f"{url}/access/revoke", data={"csrf_token": token}).status_code == 403
