"""Document 002's employees: list with filters and paging, create, read, change.

Branch scoping: staff who are not administrators see only employees of their
branches; an employee of another branch is a 403 (the same on every route).
"""
from __future__ import annotations

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.extensions import db
from clinicapp.org.models import Clinic, Organization
from clinicapp.staff.models import Employee

URL = "/api/v1/staff/employees"
EMPLOYEE_FIELDS = {"id", "organization", "last_name", "first_name", "middle_name", "full_name",
                   "position", "specializations", "specialization", "phone", "email",
                   "hire_date", "color", "photo_url", "description", "rating", "branches",
                   "is_doctor", "is_active", "user_id", "access"}
DOCUMENT_EXAMPLE = {"first_name": "Иван", "last_name": "Иванов", "position": "Врач-стоматолог",
                    "phone": "+77011234567", "hire_date": "2024-01-01", "color": "#2196F3"}


def assert_error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert set(body) == {"detail", "error", "details"}
    if field:
        assert field in body["details"], body
    return body


def ids(response) -> list[int]:
    return [row["id"] for row in response.get_json()]


# --- list ----------------------------------------------------------------------------

def test_list_has_the_fields_and_the_total(client, api_as, branches, make_employee):
    a, _b = branches
    employee = make_employee("Алексеев", phone="+79161234567", email="alekseev@clinic.test")
    _user, headers = api_as("receptionist", branches=[a])
    response = client.get(URL, headers=headers)
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "1"
    [row] = response.get_json()
    assert set(row) == EMPLOYEE_FIELDS
    assert row["id"] == employee.id and row["organization"] == a.organization_id
    assert row["full_name"] == "Алексеев Пётр Ильич"
    assert row["branches"] == [a.id] and row["hire_date"] == "2020-01-15"
    assert row["rating"] == 4.5 and row["access"] is None and row["photo_url"] is None


def test_receptionist_sees_only_employees_of_their_branches(client, api_as, branches,
                                                            make_employee):
    a, b = branches
    mine, both = make_employee("Первый"), make_employee("Второй", branches=(a, b))
    theirs = make_employee("Третий", branches=(b,))
    _user, headers = api_as("receptionist", branches=[a])
    # Ordered by name: «Второй» before «Первый».
    assert ids(client.get(URL, headers=headers)) == [both.id, mine.id]
    _admin, admin_headers = api_as("admin")
    assert {mine.id, both.id, theirs.id} <= set(ids(client.get(URL, headers=admin_headers)))


def test_branch_filter_and_header(client, api_as, branches, make_employee):
    a, b = branches
    only_a, only_b = make_employee("Аов"), make_employee("Бов", branches=(b,))
    _user, headers = api_as("manager", branches=[a, b])
    assert ids(client.get(URL, query_string={"branch": b.id}, headers=headers)) == [only_b.id]
    by_header = client.get(URL, headers={**headers, "X-Branch-Id": str(a.id)})
    assert ids(by_header) == [only_a.id]
    both = client.get(URL, query_string={"branch": a.id},
                      headers={**headers, "X-Branch-Id": str(a.id)})
    assert ids(both) == [only_a.id]


def test_branch_and_header_that_disagree_are_a_400_naming_both(client, api_as, branches):
    a, b = branches
    _user, headers = api_as("manager", branches=[a, b])
    response = client.get(URL, query_string={"branch": a.id},
                          headers={**headers, "X-Branch-Id": str(b.id)})
    body = assert_error(response, 400)
    assert {"branch", "X-Branch-Id"} <= set(body["details"])


@pytest.mark.parametrize("where", ["query", "header"])
def test_a_branch_not_yours_is_a_403(client, api_as, branches, where):
    a, b = branches
    _user, headers = api_as("receptionist", branches=[a])
    if where == "query":
        response = client.get(URL, query_string={"branch": b.id}, headers=headers)
    else:
        response = client.get(URL, headers={**headers, "X-Branch-Id": str(b.id)})
    assert_error(response, 403)


def test_an_unknown_branch_is_a_404(client, api_as, branches):
    _user, headers = api_as("admin")
    assert_error(client.get(URL, query_string={"branch": 999_999}, headers=headers), 404)


def test_is_active_filter_and_search(client, api_as, branches, make_employee):
    a, _b = branches
    active = make_employee("Работающий")
    gone = make_employee("Уволенный", is_active=False)
    _user, headers = api_as("manager", branches=[a])
    assert ids(client.get(URL, query_string={"is_active": "true"}, headers=headers)) == [active.id]
    assert ids(client.get(URL, query_string={"is_active": "false"}, headers=headers)) == [gone.id]
    assert ids(client.get(URL, query_string={"search": "уволен"}, headers=headers)) == [gone.id]
    assert ids(client.get(URL, query_string={"search": "%"}, headers=headers)) == []


def test_paging_is_optional_and_limited(client, api_as, branches, make_employee):
    a, _b = branches
    made = [make_employee(f"Пагинов{n}") for n in range(3)]
    _user, headers = api_as("manager", branches=[a])
    everyone = client.get(URL, headers=headers)
    assert len(everyone.get_json()) == 3 and everyone.headers["X-Total-Count"] == "3"
    page = client.get(URL, query_string={"limit": 2, "offset": 1}, headers=headers)
    assert ids(page) == [e.id for e in made][1:3] and page.headers["X-Total-Count"] == "3"
    for bad in ({"limit": 0}, {"offset": -1}, {"offset": 10**20}, {"limit": "x"},
                {"branch": 10**12}, {"is_active": "maybe"}):
        assert_error(client.get(URL, query_string=bad, headers=headers), 400)


def test_list_needs_a_token_and_staff_view(client, api_as):
    assert_error(client.get(URL), 401)
    _patient, headers = api_as("patient")
    assert_error(client.get(URL, headers=headers), 403)


# --- create --------------------------------------------------------------------------

def test_create_with_the_document_example(client, api_as, branches):
    a, _b = branches
    user, headers = api_as("manager", branches=[a])
    body = {"organization": a.organization_id, **DOCUMENT_EXAMPLE}
    response = client.post(URL, json=body, headers={**headers, "X-Branch-Id": str(a.id)})
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert {k: data[k] for k in DOCUMENT_EXAMPLE} == DOCUMENT_EXAMPLE
    assert data["branches"] == [a.id] and data["is_active"] is True
    employee = db.session.get(Employee, data["id"])
    assert employee.phone == "+77011234567" and employee.organization_id == a.organization_id
    entry = db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "employee.created", AuditEntry.target_id == str(employee.id)))
    assert entry.actor_id == user.id and entry.changes["last_name"] == "Иванов"


def test_create_with_every_field(client, api_as, branches):
    a, b = branches
    _user, headers = api_as("admin")
    response = client.post(URL, headers=headers, json={
        **DOCUMENT_EXAMPLE, "middle_name": "Петрович", "phone": "8 (916) 123-45-67",
        "specializations": ["стоматолог-терапевт", " ортодонт ", "ортодонт", ""],
        "email": "Ivanov@Clinic.TEST", "branches": [b.id, a.id], "is_doctor": True,
        "description": "Лечит зубы", "rating": 4.84, "color": "#abcdef"})
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["phone"] == "+79161234567" and data["email"] == "ivanov@clinic.test"
    assert data["specializations"] == ["стоматолог-терапевт", "ортодонт"]
    assert data["specialization"] == "стоматолог-терапевт, ортодонт"
    assert data["branches"] == sorted([a.id, b.id]) and data["rating"] == 4.8
    assert data["color"] == "#ABCDEF" and data["full_name"] == "Иванов Иван Петрович"


def test_create_in_another_organization_is_a_403_and_unknown_a_400(client, api_as, branches):
    a, _b = branches
    other = Organization(name="ООО Чужая клиника")
    db.session.add(other)
    db.session.commit()
    _user, headers = api_as("manager", branches=[a])
    body = {**DOCUMENT_EXAMPLE, "branches": [a.id]}
    assert_error(client.post(URL, json={**body, "organization": other.id}, headers=headers), 403)
    assert_error(client.post(URL, json={**body, "organization": 987_654}, headers=headers), 400,
                 "organization")
    assert db.session.scalar(db.select(db.func.count(Employee.id))) == 0


def test_branch_of_another_organization_or_not_yours(client, api_as, branches):
    a, b = branches
    other = Organization(name="ООО Другая")
    foreign = Clinic(organization=other, name="Чужой филиал")
    db.session.add(foreign)
    db.session.commit()
    _admin, admin_headers = api_as("admin")
    assert_error(client.post(URL, json={**DOCUMENT_EXAMPLE, "branches": [foreign.id]},
                             headers=admin_headers), 400, "branches")
    assert_error(client.post(URL, json={**DOCUMENT_EXAMPLE, "branches": [999_999]},
                             headers=admin_headers), 400, "branches")
    _user, headers = api_as("manager", branches=[a])
    assert_error(client.post(URL, json={**DOCUMENT_EXAMPLE, "branches": [b.id]},
                             headers=headers), 403)
    assert_error(client.post(URL, json=DOCUMENT_EXAMPLE, headers=headers), 400, "branches")


@pytest.mark.parametrize("field, value, message", [
    ("color", "#12345G", "#RRGGBB"),
    ("color", "red", "#RRGGBB"),
    ("phone", "12345", "телефон"),
    ("phone", "+7 999 000", "телефон"),
    ("email", "not-an-email", "e-mail"),
    ("last_name", "   ", "Обязательное поле"),
    ("last_name", "Я" * 101, "Не длиннее 100"),
    ("rating", 5.5, None),
    ("hire_date", "01.02.2024", None),
    ("branches", ["1"], None),
    ("organization", "1", None),
])
def test_create_validation_names_the_field(client, api_as, branches, field, value, message):
    _user, headers = api_as("admin")
    body = assert_error(client.post(URL, json={**DOCUMENT_EXAMPLE, field: value},
                                    headers=headers), 400, field)
    if message:
        assert message.lower() in " ".join(body["details"][field]).lower()


def test_create_requires_names(client, api_as, branches):
    _user, headers = api_as("admin")
    body = assert_error(client.post(URL, json={"position": "Врач"}, headers=headers), 400)
    assert body["details"]["last_name"] == ["Обязательное поле"]
    assert body["details"]["first_name"] == ["Обязательное поле"]


def test_create_needs_staff_manage(client, api_as, branches):
    a, _b = branches
    _user, headers = api_as("receptionist", branches=[a])
    assert_error(client.post(URL, json={**DOCUMENT_EXAMPLE, "branches": [a.id]},
                             headers=headers), 403)
    assert_error(client.post(URL, json=DOCUMENT_EXAMPLE), 401)


# --- read and change -----------------------------------------------------------------

def test_get_one(client, api_as, branches, make_employee):
    a, _b = branches
    employee = make_employee("Читаемый")
    _user, headers = api_as("doctor", branches=[a])
    response = client.get(f"{URL}/{employee.id}", headers=headers)
    assert response.status_code == 200 and response.get_json()["last_name"] == "Читаемый"
    assert_error(client.get(f"{URL}/999999", headers=headers), 404)
    assert_error(client.get(f"{URL}/0", headers=headers), 404)
    assert client.get(f"{URL}/99999999999", headers=headers).status_code == 404


@pytest.mark.parametrize("role", ["receptionist", "doctor"])
def test_receptionist_of_a_gets_a_403_for_an_employee_of_b(client, api_as, branches,
                                                            make_employee, role):
    a, b = branches
    theirs = make_employee("Чужой", branches=(b,))
    _user, headers = api_as(role, branches=[a])
    body = assert_error(client.get(f"{URL}/{theirs.id}", headers=headers), 403)
    assert body["error"] == "branch_forbidden"


def test_employee_of_another_branch_is_a_403_everywhere(client, api_as, branches,
                                                        make_employee):
    a, b = branches
    theirs = make_employee("Чужой", branches=(b,))
    _user, headers = api_as("manager", branches=[a])
    url = f"{URL}/{theirs.id}"
    assert_error(client.get(url, headers=headers), 403)
    assert_error(client.patch(url, json={"position": "Взлом"}, headers=headers), 403)
    assert_error(client.post(f"{url}/grant_access", headers=headers,
                             json={"password": "long-enough-1", "role": "doctor"}), 403)
    assert_error(client.post(f"{url}/revoke_access", headers=headers), 403)
    assert db.session.get(Employee, theirs.id).position == "Врач-терапевт"


def test_patch_changes_only_what_is_sent_and_audits(client, api_as, branches, make_employee):
    a, _b = branches
    employee = make_employee("Менябельный", phone="+79161234567")
    _user, headers = api_as("manager", branches=[a])
    response = client.patch(f"{URL}/{employee.id}", headers=headers, json={
        "position": "Главный врач", "color": "#00ff00", "is_active": False})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["position"] == "Главный врач" and data["color"] == "#00FF00"
    assert data["is_active"] is False and data["phone"] == "+79161234567"
    entry = db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "employee.updated", AuditEntry.target_id == str(employee.id)))
    assert entry.changes["position"] == ["Врач-терапевт", "Главный врач"]
    assert set(entry.changes) == {"position", "color", "is_active"}


def test_patch_without_a_body_changes_nothing(client, api_as, branches, make_employee):
    employee = make_employee("Пустой")
    _user, headers = api_as("admin")
    response = client.patch(f"{URL}/{employee.id}", headers=headers)
    assert response.status_code == 200 and response.get_json()["last_name"] == "Пустой"
    assert not db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "employee.updated", AuditEntry.target_id == str(employee.id)))


def test_patch_validation(client, api_as, branches, make_employee):
    employee = make_employee("Валидный")
    _user, headers = api_as("admin")
    url = f"{URL}/{employee.id}"
    assert_error(client.patch(url, json={"color": "#GGG"}, headers=headers), 400, "color")
    assert_error(client.patch(url, json={"email": "x@"}, headers=headers), 400, "email")
    assert_error(client.patch(url, json={"first_name": ""}, headers=headers), 400, "first_name")
    assert_error(client.patch(url, json={"unknown": 1}, headers=headers), 400, "unknown")
    other = Organization(name="ООО Третья")
    db.session.add(other)
    db.session.commit()
    assert_error(client.patch(url, json={"organization": other.id}, headers=headers), 403)
    assert_error(client.patch(url, json={"organization": 987_654}, headers=headers), 400,
                 "organization")


def test_patch_of_an_employee_also_in_a_branch_not_yours_is_a_403(client, api_as, make_clinic,
                                                                  branches, make_employee):
    a, b = branches
    c = make_clinic("Филиал В")
    employee = make_employee("Многофилиальный", branches=(a, b))
    _user, headers = api_as("manager", branches=[a, c])
    assert_error(client.patch(f"{URL}/{employee.id}", json={"branches": [c.id]},
                              headers=headers), 403)
    assert [br.id for br in db.session.get(Employee, employee.id).branches] == [a.id, b.id]
    mine = make_employee("Однофилиальный", branches=(a,))
    response = client.patch(f"{URL}/{mine.id}", json={"branches": [c.id]}, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["branches"] == [c.id]
    assert_error(client.patch(f"{URL}/{mine.id}", json={"branches": []}, headers=headers),
                 400, "branches")


def test_patch_needs_staff_manage(client, api_as, branches, make_employee):
    a, _b = branches
    employee = make_employee("Неизменный")
    _user, headers = api_as("receptionist", branches=[a])
    assert_error(client.patch(f"{URL}/{employee.id}", json={"position": "x"}, headers=headers),
                 403)
