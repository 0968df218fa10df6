"""Granting and revoking an employee's access to the system, end to end.

After a grant the employee signs in through every login endpoint with the
login the response names; after a revoke the login is refused and the tokens
obtained before stop working.
"""
from __future__ import annotations

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.auth.models import User
from clinicapp.extensions import db
from clinicapp.staff.models import Employee
from tests.conftest import Auth, bearer

from .test_api_employees import assert_error

URL = "/api/v1/staff/employees/{}/{}"
PASSWORD = "granted-pass-1"


def grant(client, headers, employee, **body):
    return client.post(URL.format(employee.id, "grant_access"), headers=headers,
                       json={"password": PASSWORD, "role": "doctor", **body})


def revoke(client, headers, employee):
    return client.post(URL.format(employee.id, "revoke_access"), headers=headers)


def login_everywhere(client, login: str, password: str = PASSWORD) -> dict:
    """Status of a sign-in through each login endpoint (a new client for the web page)."""
    results = {
        "v1-username": client.post("/api/v1/auth/login",
                                   json={"username": login, "password": password}),
        "v1-email": client.post("/api/v1/auth/login", json={"email": login, "password": password}),
        "000-form": client.post("/api/auth/login", data={"username": login, "password": password}),
    }
    statuses = {name: response.status_code for name, response in results.items()}
    web = client.application.test_client()
    response = Auth(web).login(login, password)
    statuses["web"] = 200 if response.status_code == 302 and response.location == "/" else \
        response.status_code
    return statuses


@pytest.fixture
def manager(api_as, branches):
    return api_as("manager", branches=list(branches))


def test_grant_creates_a_login_that_works_everywhere(client, manager, branches, make_employee):
    actor, headers = manager
    employee = make_employee("Доступов", email="dostupov@clinic.test", branches=branches)
    response = grant(client, headers, employee)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["username"] == "dostupov@clinic.test" and data["role"] == "doctor"
    user = db.session.get(User, data["user_id"])
    assert db.session.get(Employee, employee.id).user_id == user.id
    assert user.full_name == "Доступов Пётр Ильич" and user.is_active
    assert [b.id for b in user.branches] == sorted(b.id for b in branches)
    assert set(login_everywhere(client, "dostupov@clinic.test").values()) == {200}
    signed_in = client.post("/api/v1/auth/login", json={"username": "dostupov@clinic.test",
                                                        "password": PASSWORD}).get_json()
    assert signed_in["user"]["role"] == "doctor"
    entry = db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "employee.access_granted", AuditEntry.target_id == str(employee.id)))
    assert entry.actor_id == actor.id and entry.changes["role"] == "doctor"
    assert PASSWORD not in str(entry.changes)


def test_grant_with_a_username_signs_in_by_it(client, manager, make_employee):
    _actor, headers = manager
    employee = make_employee("Логинов", email=None)
    response = grant(client, headers, employee, username="Loginov.P", email="loginov@clinic.test",
                     role="receptionist")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["username"] == "loginov.p"
    assert set(login_everywhere(client, "loginov.p").values()) == {200}
    me = client.get("/api/v1/auth/me", headers=bearer(client.post(
        "/api/v1/auth/login", json={"username": "loginov.p", "password": PASSWORD}
    ).get_json()["access"])).get_json()
    assert me["username"] == "loginov.p" and me["email"] == "loginov@clinic.test"
    assert me["role"] == "receptionist"


def test_employee_shows_the_access(client, manager, make_employee):
    _actor, headers = manager
    employee = make_employee("Показов", email="pokazov@clinic.test")
    user_id = grant(client, headers, employee, role="cashier").get_json()["user_id"]
    data = client.get(f"/api/v1/staff/employees/{employee.id}", headers=headers).get_json()
    assert data["user_id"] == user_id
    assert data["access"] == {"user_id": user_id, "username": "pokazov@clinic.test",
                              "role": "cashier", "is_active": True}


def test_revoke_disables_the_login_and_kills_the_tokens(client, manager, make_employee):
    _actor, headers = manager
    employee = make_employee("Отзывов", email="otzyvov@clinic.test")
    grant(client, headers, employee)
    pair = client.post("/api/v1/auth/login", json={"username": "otzyvov@clinic.test",
                                                   "password": PASSWORD}).get_json()
    web = client.application.test_client()
    Auth(web).login("otzyvov@clinic.test", PASSWORD)
    assert web.get("/profile/").status_code == 200
    assert client.get("/api/v1/auth/me", headers=bearer(pair["access"])).status_code == 200

    response = revoke(client, headers, employee)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["is_active"] is False
    assert_error(client.get("/api/v1/auth/me", headers=bearer(pair["access"])), 401)
    assert_error(client.post("/api/v1/auth/refresh", json={"refresh": pair["refresh"]}), 401)
    assert web.get("/profile/").status_code == 302  # the browser session ended too
    assert 200 not in login_everywhere(client, "otzyvov@clinic.test").values()
    assert db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "employee.access_revoked", AuditEntry.target_id == str(employee.id)))


def test_grant_again_reactivates_with_a_new_role_and_password(client, manager, make_employee):
    _actor, headers = manager
    employee = make_employee("Возвратов", email="vozvratov@clinic.test")
    user_id = grant(client, headers, employee).get_json()["user_id"]
    revoke(client, headers, employee)
    response = grant(client, headers, employee, role="cashier", password="another-pass-2")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"user_id": user_id, "username": "vozvratov@clinic.test",
                                   "role": "cashier", "is_active": True}
    assert set(login_everywhere(client, "vozvratov@clinic.test", "another-pass-2").values()) \
        == {200}
    assert client.post("/api/v1/auth/login", json={"username": "vozvratov@clinic.test",
                                                   "password": PASSWORD}).status_code == 401


def test_only_an_admin_grants_the_admin_role(client, manager, api_as, make_employee):
    _actor, headers = manager
    employee = make_employee("Админов", email="adminov@clinic.test")
    assert_error(grant(client, headers, employee, role="admin"), 403)
    assert db.session.get(Employee, employee.id).user_id is None
    _admin, admin_headers = api_as("admin")
    assert grant(client, admin_headers, employee, role="admin").status_code == 201
    # …and a manager may not revoke or reset an administrator's access.
    assert_error(revoke(client, headers, employee), 403)
    assert_error(grant(client, headers, employee, role="doctor"), 403)


def test_nobody_changes_their_own_access(client, api_as, branches, make_employee):
    a, _b = branches
    employee = make_employee("Самов", email="samov@clinic.test")
    _admin, admin_headers = api_as("admin")
    grant(client, admin_headers, employee, role="manager")
    own = bearer(client.post("/api/v1/auth/login", json={
        "username": "samov@clinic.test", "password": PASSWORD}).get_json()["access"])
    assert_error(revoke(client, own, employee), 403)
    assert_error(grant(client, own, employee, role="manager"), 403)


@pytest.mark.parametrize("body, field", [
    ({"role": "patient"}, "role"),
    ({"role": "superuser"}, "role"),
    ({"password": "short"}, "password"),
    ({"password": None}, "password"),
    ({"username": "плохой логин"}, "username"),
    ({"email": "broken@"}, "email"),
])
def test_grant_validation(client, manager, make_employee, body, field):
    _actor, headers = manager
    employee = make_employee("Проверкин", email="proverkin@clinic.test")
    assert_error(grant(client, headers, employee, **body), 400, field)


def test_grant_without_any_email_is_a_400(client, manager, make_employee):
    _actor, headers = manager
    employee = make_employee("Безпочтов", email=None)
    body = assert_error(grant(client, headers, employee, username="bezpochtov"), 400, "email")
    assert "e-mail" in body["detail"]


def test_a_taken_login_is_a_409(client, manager, make_user, make_employee):
    _actor, headers = manager
    make_user("doctor", email="zanyat@clinic.test")
    employee = make_employee("Занятов", email="zanyat@clinic.test")
    assert_error(grant(client, headers, employee), 409, "email")
    other = make_employee("Другой", email="drugoy@clinic.test")
    assert_error(grant(client, headers, other, username="zanyat@clinic.test"), 409, "username")


def test_revoke_without_access_is_a_409(client, manager, make_employee):
    _actor, headers = manager
    assert_error(revoke(client, headers, make_employee("Бездоступов")), 409)


def test_access_needs_staff_manage(client, api_as, branches, make_employee):
    a, _b = branches
    employee = make_employee("Неуправляемый", email="neupr@clinic.test")
    _user, headers = api_as("receptionist", branches=[a])
    assert_error(grant(client, headers, employee), 403)
    assert_error(revoke(client, headers, employee), 403)
    assert_error(grant(client, {}, employee), 401)
    assert_error(revoke(client, {}, employee), 401)


def test_unknown_employee_is_a_404(client, manager):
    _actor, headers = manager
    assert_error(client.post(URL.format(999_999, "grant_access"), headers=headers,
                             json={"password": PASSWORD, "role": "doctor"}), 404)
    assert_error(client.post(URL.format(999_999, "revoke_access"), headers=headers), 404)
