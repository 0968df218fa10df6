"""Who may open the users admin, and the users admin itself: the list (filters,
search, the htmx fragment, escaping), creating and editing accounts.

Every role signs in through the real login page (administrators with TOTP).
"""
from __future__ import annotations

import pyotp
import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.auth.models import ROLES, User
from clinicapp.extensions import db
from tests.auth.test_web_login import is_signed_in
from tests.conftest import PASSWORD, Auth, csrf_token

FORBIDDEN = "Недостаточно прав для этого действия"
NEW_USER_BUTTON = "Новый пользователь"

# --- helpers -------------------------------------------------------------------

def sign_in_as(client, make_user, role: str, **fields) -> User:
    """A new user of `role`, signed in through the login page (TOTP for admins)."""
    secret = pyotp.random_base32() if role == "admin" else None
    user = make_user(role, totp_secret=secret, **fields)
    response = Auth(client).login(user.email, totp_secret=secret)
    assert response.status_code == 302 and response.location == "/", response.location
    return user


@pytest.fixture
def admin_client(client, make_user):
    """(client, admin): an administrator signed in."""
    return client, sign_in_as(client, make_user, "admin")


def user_form(**fields) -> dict:
    """The users admin form as a browser posts it (checkboxes: present or absent)."""
    data = {"email": "", "full_name": "", "phone": "", "role": "receptionist",
            "branches": [], "password": "", "is_active": "y"}
    data.update(fields)
    data["branches"] = [str(b) for b in data["branches"]]
    if not data["is_active"]:
        del data["is_active"]
    return data


def submit_user_form(client, url: str, **fields):
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **user_form(**fields)})


def edit_fields(user: User, **changes) -> dict:
    """The edit form pre-filled with the user's current values, then `changes`."""
    fields = {"email": user.email, "full_name": user.full_name, "phone": user.phone or "",
              "role": user.role, "branches": [b.id for b in user.branches],
              "is_active": user.is_active}
    fields.update(changes)
    return fields


def users_page(client, **params) -> str:
    response = client.get("/admin/users", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def audit(action: str, target: User) -> list[AuditEntry]:
    return list(db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.target_type == "users",
        AuditEntry.target_id == str(target.id))))


def find_user(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email))


# --- who may open the users admin --------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_users_list_access_by_role(client, make_user, role):
    sign_in_as(client, make_user, role)
    response = client.get("/admin/users")
    if role in ("admin", "manager"):
        assert response.status_code == 200
        assert "<h1>Пользователи</h1>" in response.get_data(as_text=True)
    else:
        html = response.get_data(as_text=True)
        assert response.status_code == 403
        assert FORBIDDEN in html and "<html" in html and "Traceback" not in html


@pytest.mark.parametrize("role", ROLES)
def test_navigation_shows_users_only_to_those_who_may_see_them(client, make_user, role):
    sign_in_as(client, make_user, role)
    # «Пользователи» is a tab of the clinic's section (its menu item leads to /settings/).
    html = client.get("/settings/").get_data(as_text=True)
    assert ('href="/admin/users"' in html) == (role in ("admin", "manager"))


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_admins_may_open_the_new_user_form(client, make_user, role):
    sign_in_as(client, make_user, role)
    response = client.get("/admin/users/new")
    assert response.status_code == 403
    assert FORBIDDEN in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_admins_may_open_the_edit_form(client, make_user, role):
    someone = make_user("doctor")
    sign_in_as(client, make_user, role)
    assert client.get(f"/admin/users/{someone.id}").status_code == 403


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/users/1"])
def test_anonymous_is_sent_to_login_with_next(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.location == "/login?next=" + path.replace("/", "%2F")


def test_manager_sees_the_list_without_management_controls(client, make_user, make_clinic):
    clinic = make_clinic("Клиника на Тверской")
    make_user("doctor", full_name="Докторов Иван", branches=[clinic])
    sign_in_as(client, make_user, "manager", branches=[clinic])
    html = users_page(client)
    assert "Докторов Иван" in html
    assert NEW_USER_BUTTON not in html
    assert 'href="/admin/users/new"' not in html
    assert "Изменить" not in html


def test_manager_cannot_create_a_user_by_posting(client, make_user):
    sign_in_as(client, make_user, "manager")
    token = csrf_token(client.get("/profile/").get_data(as_text=True))
    response = client.post("/admin/users/new", data={"csrf_token": token, **user_form(
        email="sneaky@test.clinic", full_name="Хитров", role="admin", password=PASSWORD)})
    assert response.status_code == 403
    assert find_user("sneaky@test.clinic") is None


def test_admin_sees_the_management_controls(admin_client, make_user):
    client, _admin = admin_client
    someone = make_user("doctor")
    html = users_page(client)
    assert NEW_USER_BUTTON in html
    assert f'href="/admin/users/{someone.id}"' in html
    assert client.get("/admin/users/new").status_code == 200


def test_deactivated_staff_lose_their_permissions(client, make_user):
    manager = sign_in_as(client, make_user, "manager")
    manager.is_active = False
    db.session.commit()
    response = client.get("/admin/users")
    assert response.status_code == 302 and response.location.startswith("/login")


# --- who is in the list, per role (review: managers saw every account) -----------------

@pytest.fixture
def people(make_user, make_clinic):
    """Accounts of two branches, one without a branch, a patient."""
    tverskaya, nevsky = make_clinic("Клиника на Тверской"), make_clinic("Клиника на Невском")
    return {
        "tverskaya": tverskaya, "nevsky": nevsky,
        "ours": make_user("doctor", full_name="Нашев Врач", branches=[tverskaya]),
        "both": make_user("cashier", full_name="Обоева Касса", branches=[tverskaya, nevsky]),
        "theirs": make_user("receptionist", full_name="Чужов Регистратор", branches=[nevsky]),
        "nowhere": make_user("doctor", full_name="Бесфилиальный Врач"),
        "patient": make_user("patient", full_name="Пациентов Пётр"),
    }


def test_admin_sees_every_account(admin_client, people):
    client, _admin = admin_client
    html = users_page(client)
    for key in ("ours", "both", "theirs", "nowhere", "patient"):
        assert people[key].full_name in html
    assert "Пациентов Пётр" in users_page(client, role="patient")


def test_manager_sees_only_staff_of_their_branches(client, make_user, people):
    sign_in_as(client, make_user, "manager", branches=[people["tverskaya"]],
               full_name="Управляев Тверской")
    html = users_page(client)
    for key in ("ours", "both"):
        assert people[key].full_name in html
    for key in ("theirs", "nowhere", "patient"):
        assert people[key].full_name not in html
    assert "Управляев Тверской" in html
    assert 'value="patient"' not in html  # no role filter for what is never shown
    html = users_page(client, role="patient")
    assert "Пациентов Пётр" not in html
    html = users_page(client, q="Чужов")
    assert "Чужов Регистратор" not in html and "Никого не нашлось" in html
    fragment = client.get("/admin/users", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Нашев Врач" in fragment and "Пациентов Пётр" not in fragment


def test_manager_without_branches_sees_nobody_else(client, make_user, people):
    sign_in_as(client, make_user, "manager")
    html = users_page(client)
    assert all(people[key].full_name not in html
               for key in ("ours", "both", "theirs", "nowhere", "patient"))


@pytest.mark.parametrize("page", ["99999999999999999999", "0", "-5", "два"])
def test_a_huge_or_broken_page_number_is_no_server_error(admin_client, make_user, page):
    client, _admin = admin_client
    make_user("doctor", full_name="Докторов Иван")
    response = client.get("/admin/users", query_string={"page": page})
    assert response.status_code == 200


# --- the list ---------------------------------------------------------------------

def test_list_filters_by_role(admin_client, make_user):
    client, _admin = admin_client
    make_user("doctor", full_name="Докторов Иван")
    make_user("cashier", full_name="Кассирова Елена")
    html = users_page(client, role="doctor")
    assert "Докторов Иван" in html and "Кассирова Елена" not in html


def test_unknown_role_filter_is_ignored(admin_client, make_user):
    client, _admin = admin_client
    make_user("doctor", full_name="Докторов Иван")
    assert "Докторов Иван" in users_page(client, role="superuser")


def test_list_searches_names_and_emails(admin_client, make_user):
    client, _admin = admin_client
    make_user("doctor", full_name="Иванов Иван", email="ivanov@test.clinic")
    make_user("doctor", full_name="Петров Пётр", email="petrov@test.clinic")
    by_name = users_page(client, q="Иванов")
    assert "Иванов Иван" in by_name and "Петров Пётр" not in by_name
    by_email = users_page(client, q="PETROV@")
    assert "Петров Пётр" in by_email and "Иванов Иван" not in by_email


def test_search_and_role_combine(admin_client, make_user):
    client, _admin = admin_client
    make_user("doctor", full_name="Смирнов Врач")
    make_user("cashier", full_name="Смирнова Касса")
    html = users_page(client, q="Смирнов", role="cashier")
    assert "Смирнова Касса" in html and "Смирнов Врач" not in html


def test_search_with_no_match_says_so(admin_client):
    client, _admin = admin_client
    assert "Никого не нашлось" in users_page(client, q="нет-такого-человека")


@pytest.mark.parametrize("query, wanted, wildcard_match", [
    ("100%", "Скидка 100% Сидоров", "Скидка 1000 Смирнов"),
    ("a_b", "Группа a_b Орлов", "Группа axb Орлова"),
])
def test_search_treats_percent_and_underscore_literally(admin_client, make_user,
                                                        query, wanted, wildcard_match):
    client, _admin = admin_client
    make_user("doctor", full_name=wanted)
    make_user("doctor", full_name=wildcard_match)
    html = users_page(client, q=query)
    assert wanted in html
    assert wildcard_match not in html


def test_htmx_request_gets_only_the_table_fragment(admin_client, make_user):
    client, _admin = admin_client
    make_user("doctor", full_name="Докторов Иван")
    make_user("cashier", full_name="Кассирова Елена")
    response = client.get("/admin/users", query_string={"q": "Докторов"},
                          headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="users-table"')
    assert "<html" not in html and "<h1>" not in html
    assert "Докторов Иван" in html and "Кассирова Елена" not in html


def test_full_page_contains_the_table_and_the_filters(admin_client):
    client, _admin = admin_client
    html = users_page(client)
    assert "<html" in html and 'id="users-table"' in html
    assert 'hx-get="/admin/users"' in html and 'name="q"' in html and 'name="role"' in html


def test_names_are_escaped_in_the_list(admin_client, make_user):
    client, _admin = admin_client
    make_user("doctor", full_name="<script>alert(1)</script>")
    html = users_page(client)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html


def test_names_are_escaped_in_the_htmx_fragment(admin_client, make_user):
    client, _admin = admin_client
    make_user("doctor", full_name="<img src=x onerror=alert(1)>")
    html = client.get("/admin/users", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html


def test_editing_an_unknown_user_is_a_friendly_404(admin_client):
    client, _admin = admin_client
    response = client.get("/admin/users/999999")
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)


# --- creating and editing accounts --------------------------------------------------------

def test_admin_creates_a_user_with_role_and_branches(admin_client, make_clinic):
    client, admin = admin_client
    tverskaya, nevsky = make_clinic("Клиника на Тверской"), make_clinic("Клиника на Невском")
    response = submit_user_form(
        client, "/admin/users/new", email="New.Doctor@Test.Clinic", full_name="Новиков Врач",
        role="doctor", branches=[tverskaya.id, nevsky.id], password=PASSWORD)
    assert response.status_code == 302 and response.location == "/admin/users"
    created = find_user("new.doctor@test.clinic")
    assert created is not None
    assert created.role == "doctor" and created.full_name == "Новиков Врач"
    assert {b.id for b in created.branches} == {tverskaya.id, nevsky.id}
    assert created.is_active
    [entry] = audit("user.created", created)
    assert entry.actor_id == admin.id
    assert "Учётная запись new.doctor@test.clinic создана" in users_page(client)


def test_created_user_can_sign_in(app, admin_client):
    client, _admin = admin_client
    submit_user_form(client, "/admin/users/new", email="cashier.new@test.clinic",
                     full_name="Кассиров", role="cashier", password="created-pass-1")
    other = app.test_client()
    assert Auth(other).login("cashier.new@test.clinic", "created-pass-1").location == "/"


def test_duplicate_email_is_a_400_form_error(admin_client, make_user):
    client, _admin = admin_client
    make_user("doctor", email="taken@test.clinic")
    response = submit_user_form(client, "/admin/users/new", email="TAKEN@test.clinic",
                                full_name="Двойников", role="doctor", password=PASSWORD)
    assert response.status_code == 400
    assert "Пользователь с таким e-mail уже существует" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)
                             .where(User.email == "taken@test.clinic")) == 1


def test_new_user_needs_a_password(admin_client):
    client, _admin = admin_client
    response = submit_user_form(client, "/admin/users/new", email="nopass@test.clinic",
                                full_name="Беспарольный", role="doctor", password="")
    assert response.status_code == 400
    assert "Задайте пароль для новой учётной записи" in response.get_data(as_text=True)
    assert find_user("nopass@test.clinic") is None


def test_invalid_email_is_a_400_form_error(admin_client):
    client, _admin = admin_client
    response = submit_user_form(client, "/admin/users/new", email="not-an-email",
                                full_name="Ошибкин", role="doctor", password=PASSWORD)
    assert response.status_code == 400
    assert "Неверный e-mail" in response.get_data(as_text=True)


def test_create_without_csrf_token_is_refused(admin_client):
    client, _admin = admin_client
    response = client.post("/admin/users/new", data=user_form(
        email="nocsrf@test.clinic", full_name="Без токена", role="doctor", password=PASSWORD))
    assert response.status_code == 400
    assert find_user("nocsrf@test.clinic") is None


def test_admin_edits_role_and_branches(admin_client, make_user, make_clinic):
    client, admin = admin_client
    tverskaya, almaty = make_clinic("Клиника на Тверской"), make_clinic("Клиника в Алматы")
    someone = make_user("doctor", branches=[tverskaya])
    response = submit_user_form(client, f"/admin/users/{someone.id}",
                                **edit_fields(someone, role="manager", branches=[almaty.id]))
    assert response.status_code == 302 and response.location == "/admin/users"
    db.session.refresh(someone)
    assert someone.role == "manager"
    assert [b.id for b in someone.branches] == [almaty.id]
    [entry] = audit("user.updated", someone)
    assert entry.actor_id == admin.id
    assert entry.changes["role"] == ["doctor", "manager"]
    assert entry.changes["branches"] == [[tverskaya.id], [almaty.id]]


def test_admin_deactivates_a_user_who_is_signed_out_at_once(app, admin_client, make_user):
    client, _admin = admin_client
    someone = make_user("receptionist")
    their_browser = app.test_client()
    Auth(their_browser).login(someone.email)
    response = submit_user_form(client, f"/admin/users/{someone.id}",
                                **edit_fields(someone, is_active=False))
    assert response.status_code == 302
    db.session.refresh(someone)
    assert not someone.is_active
    assert audit("user.updated", someone)[0].changes["is_active"] == [True, False]
    assert not is_signed_in(their_browser)
    assert Auth(their_browser).login(someone.email).status_code == 401


def test_admin_cannot_deactivate_themself(admin_client):
    client, admin = admin_client
    response = submit_user_form(client, f"/admin/users/{admin.id}",
                                **edit_fields(admin, is_active=False))
    assert response.status_code == 400
    assert "Нельзя изменить роль или отключить свою учётную запись" in \
        response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.is_active
    assert audit("user.updated", admin) == []
    assert is_signed_in(client)


def test_admin_cannot_change_their_own_role(admin_client):
    client, admin = admin_client
    response = submit_user_form(client, f"/admin/users/{admin.id}",
                                **edit_fields(admin, role="doctor"))
    assert response.status_code == 400
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_edit_form_is_prefilled(admin_client, make_user, make_clinic):
    client, _admin = admin_client
    clinic = make_clinic("Клиника на Невском")
    someone = make_user("cashier", full_name="Кассирова Елена", branches=[clinic])
    html = client.get(f"/admin/users/{someone.id}").get_data(as_text=True)
    assert someone.email in html and 'value="Кассирова Елена"' in html
    assert f'<option selected value="{clinic.id}">' in html
    assert '<option selected value="cashier">' in html


def test_admin_edits_an_account_with_a_dot_test_address(admin_client, make_user):
    client, _admin = admin_client
    someone = make_user("doctor", email="demo.doctor@clinic.test")
    response = submit_user_form(client, f"/admin/users/{someone.id}",
                                **edit_fields(someone, role="cashier"))
    assert response.status_code == 302
    db.session.refresh(someone)
    assert someone.role == "cashier"
