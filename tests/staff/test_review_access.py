"""Review fixes of the staff feature, through the API and the pages.

* granting access never takes over an active account, nor gives a role above the caller's;
* a manager changes only employees who work in their branches alone;
* deactivating an employee revokes their access;
* an employee works in at least one branch;
* paging: `limit` above 100 is served as 100; `?page=` of any size is no 500.
"""
from __future__ import annotations

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.extensions import db
from clinicapp.staff.models import Employee
from tests.conftest import Auth, bearer, csrf_token

from .test_api_access import PASSWORD, grant, revoke
from .test_api_employees import assert_error
from .test_pages import form_data

EMPLOYEES = "/api/v1/staff/employees"


def grant_on_page(client, url: str, role: str, password: str = "page-granted-1"):
    """Post the card's access form, as the browser does, with the card's CSRF token."""
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(f"{url}/access", data={"csrf_token": token, "access-role": role,
                                              "access-password": password})


def sign_in(client, login: str, password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/auth/login", json={"username": login, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# --- 1. grant_access ---------------------------------------------------------------------

def test_granting_an_active_account_again_is_a_409_and_changes_nothing(client, api_as, branches,
                                                                        make_employee):
    a, _b = branches
    _manager, headers = api_as("manager", branches=[a])
    employee = make_employee("Захватов", email="zahvatov@clinic.test")
    assert grant(client, headers, employee, role="doctor").status_code == 201
    pair = sign_in(client, "zahvatov@clinic.test")

    body = assert_error(grant(client, headers, employee, role="manager",
                              password="attacker-pass-1"), 409)
    assert body["error"] == "access_active" and "отзовите" in body["detail"]
    user = db.session.get(Employee, employee.id).user
    db.session.refresh(user)
    assert user.role == "doctor" and user.is_active
    assert client.post("/api/v1/auth/login", json={
        "username": "zahvatov@clinic.test", "password": "attacker-pass-1"}).status_code == 401
    sign_in(client, "zahvatov@clinic.test")  # the old password still works
    assert client.get("/api/v1/auth/me", headers=bearer(pair["access"])).status_code == 200


def test_a_revoked_account_is_re_enabled_with_the_new_role_and_password(client, api_as, branches,
                                                                        make_employee):
    a, _b = branches
    _manager, headers = api_as("manager", branches=[a])
    employee = make_employee("Вернувшийся", email="vernulsya@clinic.test")
    user_id = grant(client, headers, employee).get_json()["user_id"]
    assert revoke(client, headers, employee).status_code == 200
    response = grant(client, headers, employee, role="cashier", password="new-pass-2024")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user_id"] == user_id and response.get_json()["role"] == "cashier"
    assert sign_in(client, "vernulsya@clinic.test", "new-pass-2024")["user"]["role"] == "cashier"


@pytest.mark.parametrize("caller, role, status", [
    ("manager", "admin", 403), ("manager", "manager", 201), ("manager", "receptionist", 201),
    ("manager", "cashier", 201), ("manager", "doctor", 201), ("admin", "admin", 201),
])
def test_a_role_above_the_callers_own_is_refused(client, api_as, branches, make_employee,
                                                 caller, role, status):
    a, _b = branches
    _caller, headers = api_as(caller, branches=[a])
    employee = make_employee("Ролев", email="rolev@clinic.test")
    response = grant(client, headers, employee, role=role)
    assert response.status_code == status, response.get_json()
    if status == 403:
        assert "может выдать только администратор" in response.get_json()["detail"]
        assert db.session.get(Employee, employee.id).user_id is None


def test_a_manager_may_not_act_on_an_employee_who_also_works_elsewhere(client, api_as, branches,
                                                                       make_employee):
    a, b = branches
    _manager, headers = api_as("manager", branches=[a])
    both = make_employee("Двухфилиальный", email="dvuh@clinic.test", branches=(a, b))
    # Reading needs one shared branch…
    assert client.get(f"{EMPLOYEES}/{both.id}", headers=headers).status_code == 200
    # …granting, revoking and changing need all of them.
    assert_error(grant(client, headers, both), 403)
    assert_error(revoke(client, headers, both), 403)
    assert_error(client.patch(f"{EMPLOYEES}/{both.id}", json={"position": "Взломщик"},
                              headers=headers), 403)
    assert db.session.get(Employee, both.id).user_id is None
    assert db.session.get(Employee, both.id).position == "Врач-терапевт"
    # An administrator may.
    _admin, admin_headers = api_as("admin")
    assert grant(client, admin_headers, both).status_code == 201


def test_the_manager_of_another_branch_cannot_reset_a_managers_account(client, api_as, branches,
                                                                       make_employee):
    """The takeover of the review: a manager of A resetting the manager of B."""
    a, b = branches
    _admin, admin_headers = api_as("admin")
    victim = make_employee("Управляющий-Б", email="upr-b@clinic.test", branches=(a, b))
    assert grant(client, admin_headers, victim, role="manager").status_code == 201
    _attacker, headers = api_as("manager", branches=[a])
    assert_error(grant(client, headers, victim, role="manager", password="taken-over-1"), 403)
    assert sign_in(client, "upr-b@clinic.test")["user"]["role"] == "manager"


def test_the_page_offers_only_grantable_roles_and_no_reset_of_an_active_account(
        client, web_as, branches, make_employee):
    a, _b = branches
    employee = make_employee("Страничный", email="stranichny@clinic.test")
    web_as("manager", branches=[a])
    url = f"/staff/{employee.id}"
    html = client.get(url).get_data(as_text=True)
    assert 'value="doctor"' in html and 'value="manager"' in html
    assert 'value="admin"' not in html
    assert grant_on_page(client, url, "doctor").status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "Отозвать доступ" in html and 'name="access-password"' not in html
    response = grant_on_page(client, url, "manager", "page-taken-over")
    assert response.status_code == 409
    assert "сначала отзовите доступ" in response.get_data(as_text=True)
    assert db.session.get(Employee, employee.id).user.role == "doctor"


def test_the_page_is_read_only_for_an_employee_who_also_works_elsewhere(client, web_as, branches,
                                                                        make_employee):
    a, b = branches
    both = make_employee("Чужеватый", email="chuzh@clinic.test", branches=(a, b))
    web_as("manager", branches=[a])
    url = f"/staff/{both.id}"
    html = client.get(url).get_data(as_text=True)
    assert "Чужеватый" in html and "Доступ в систему" not in html
    assert grant_on_page(client, url, "doctor").status_code == 403
    assert client.post(url, data={"csrf_token": csrf_token(html), "last_name": "Взлом",
                                  "first_name": "Х",
                                  "color": "#000000",
                                  "branches": [str(a.id)]}).status_code == 403
    assert db.session.get(Employee, both.id).last_name == "Чужеватый"


# --- 2. deactivation revokes access --------------------------------------------------------

def test_deactivating_an_employee_revokes_their_access(client, api_as, branches, make_employee):
    a, _b = branches
    _manager, headers = api_as("manager", branches=[a])
    employee = make_employee("Уволенный", email="uvolen@clinic.test")
    grant(client, headers, employee)
    pair = sign_in(client, "uvolen@clinic.test")
    web = client.application.test_client()
    Auth(web).login("uvolen@clinic.test", PASSWORD)
    assert web.get("/profile/").status_code == 200

    response = client.patch(f"{EMPLOYEES}/{employee.id}", json={"is_active": False},
                            headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["is_active"] is False
    assert response.get_json()["access"]["is_active"] is False
    assert_error(client.get("/api/v1/auth/me", headers=bearer(pair["access"])), 401)
    assert_error(client.post("/api/v1/auth/refresh", json={"refresh": pair["refresh"]}), 401)
    assert web.get("/profile/").status_code == 302
    assert client.post("/api/v1/auth/login", json={"username": "uvolen@clinic.test",
                                                   "password": PASSWORD}).status_code != 200
    assert db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "employee.access_revoked", AuditEntry.target_id == str(employee.id)))


def test_deactivating_through_the_page_revokes_access_too(client, web_as, branches,
                                                          make_employee):
    a, _b = branches
    employee = make_employee("Страницеуволенный", email="stru@clinic.test", position="Врач")
    web_as("manager", branches=[a])
    url = f"/staff/{employee.id}"
    assert grant_on_page(client, url, "doctor").status_code == 302
    data = form_data(client, url, last_name="Страницеуволенный", branches=[str(a.id)],
                     is_active=None)  # the checkbox left unticked
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    user = db.session.get(Employee, employee.id).user
    db.session.refresh(user)
    assert user.is_active is False


def test_nobody_deactivates_themselves_or_an_administrator(client, api_as, branches,
                                                           make_employee):
    a, _b = branches
    _admin, admin_headers = api_as("admin")
    boss = make_employee("Главный", email="glavny@clinic.test")
    grant(client, admin_headers, boss, role="admin")
    _manager, headers = api_as("manager", branches=[a])
    assert_error(client.patch(f"{EMPLOYEES}/{boss.id}", json={"is_active": False},
                              headers=headers), 403)
    assert db.session.get(Employee, boss.id).is_active
    assert db.session.get(Employee, boss.id).user.is_active


# --- 3. at least one branch ------------------------------------------------------------------

@pytest.mark.parametrize("role", ["admin", "manager"])
def test_an_employee_without_branches_is_a_400_naming_branches(client, api_as, branches, role):
    a, _b = branches
    _user, headers = api_as(role, branches=[a])
    for body in ({"first_name": "Иван", "last_name": "Бесфилиальный"},
                 {"first_name": "Иван", "last_name": "Бесфилиальный", "branches": []}):
        body = assert_error(client.post(EMPLOYEES, json=body, headers=headers), 400, "branches")
        assert body["details"]["branches"] == ["Укажите хотя бы один филиал"]
    assert db.session.scalar(db.select(Employee).where(
        Employee.last_name == "Бесфилиальный")) is None
    response = client.post(EMPLOYEES, json={"first_name": "Иван", "last_name": "Сфилиальный"},
                           headers={**headers, "X-Branch-Id": str(a.id)})
    assert response.status_code == 201 and response.get_json()["branches"] == [a.id]


# --- 4 and 7. paging -----------------------------------------------------------------------

def test_limit_above_100_is_served_as_100_and_below_1_is_a_400(client, api_as, branches,
                                                               make_employee):
    a, _b = branches
    make_employee("Лимитов")
    _user, headers = api_as("manager", branches=[a])
    for url in (EMPLOYEES, "/api/v1/doctors"):
        response = client.get(url, query_string={"limit": 10**6}, headers=headers)
        assert response.status_code == 200 and len(response.get_json()) == 1
        for bad in (0, -1):
            body = assert_error(client.get(url, query_string={"limit": bad}, headers=headers),
                                400, "limit")
            assert body["details"]["limit"] == ["Не меньше 1"]
        body = assert_error(client.get(url, query_string={"offset": 2**63}, headers=headers),
                            400, "offset")
        assert body["details"]["offset"] == ["Допустимо от 0 до 9223372036854775807"]


def test_validation_messages_are_russian(client, api_as, branches):
    a, _b = branches
    _user, headers = api_as("manager", branches=[a])
    body = assert_error(client.post(EMPLOYEES, json={"first_name": 5, "last_name": "Х",
                                                     "rating": 9, "unknown": 1,
                                                     "branches": [a.id]}, headers=headers),
                        400, "first_name")
    assert body["details"]["first_name"] == ["Ожидается строка"]
    assert body["details"]["rating"] == ["Допустимо от 0 до 5"]
    assert body["details"]["unknown"] == ["Неизвестное поле"]


@pytest.mark.parametrize("page", ["99999999999999999999", "-3", "abc", "9" * 5000])
def test_a_huge_or_broken_page_number_is_no_server_error(client, web_as, branches, make_employee,
                                                         page):
    a, _b = branches
    make_employee("Страничкин")
    web_as("manager", branches=[a])
    response = client.get("/staff/", query_string={"page": page})
    assert response.status_code == 200
