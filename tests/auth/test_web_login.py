"""The web sign-in through the real pages: login, ``next``, remember me, logout,
lockout, inactive accounts and CSRF (forms and htmx headers).

Everything goes through HTTP; the database is only read to check its state
(web session rows, audit entries).
"""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.auth.models import User, UserSession
from clinicapp.extensions import db
from tests.conftest import PASSWORD, Auth, csrf_token

WRONG_PASSWORD = "wrong-pass-000"
INVALID_CREDENTIALS = "Неверный логин или пароль"
LOCKED = "Учётная запись временно заблокирована"
CSRF_MESSAGE = "Сессия устарела или форма отправлена повторно"


# --- helpers -------------------------------------------------------------------

def post_login(client, login: str, password: str = PASSWORD, *, next_url: str | None = None,
               remember: bool = False):
    """Fill the login form as a browser does (the form posts to its own URL)."""
    url = "/login" if next_url is None else "/login?" + urlencode({"next": next_url})
    token = csrf_token(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "login": login, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post(url, data=data)


def is_signed_in(client) -> bool:
    """The profile needs a session: 200 when signed in, a redirect to /login otherwise
    (`/` sends each role on to where its day starts)."""
    response = client.get("/profile/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response.location.startswith("/login")
    return False


def web_sessions(user: User) -> list[UserSession]:
    return list(db.session.scalars(
        db.select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)))


def audit_actions(user: User) -> list[str]:
    return list(db.session.scalars(
        db.select(AuditEntry.action).where(AuditEntry.target_type == "users",
                                           AuditEntry.target_id == str(user.id))
        .order_by(AuditEntry.id)))


def meta_csrf(client) -> str:
    """The token htmx sends in its X-CSRFToken header (from <meta name="csrf-token">)."""
    html = client.get("/profile/").get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "no <meta name=csrf-token> on the page"
    return match.group(1)


def fresh_client_with_cookie(app, name: str, value: str):
    """A new browser that only has one copied cookie."""
    other = app.test_client()
    other.set_cookie(name, value)
    return other


# --- the login page ----------------------------------------------------------------

def test_login_page_renders_in_russian(client):
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="ru">' in html
    assert "Вход в систему" in html
    assert "E-mail или логин" in html and "Пароль" in html and "Запомнить меня" in html
    assert 'name="csrf_token"' in html


def test_wrong_password_is_refused_with_a_russian_message(client, make_user):
    user = make_user("receptionist")
    response = post_login(client, user.email, WRONG_PASSWORD)
    assert response.status_code == 401
    assert INVALID_CREDENTIALS in response.get_data(as_text=True)
    assert not is_signed_in(client)
    assert web_sessions(user) == []


def test_unknown_login_gets_the_same_message(client):
    response = post_login(client, "nobody@test.clinic")
    assert response.status_code == 401
    assert INVALID_CREDENTIALS in response.get_data(as_text=True)
    assert not is_signed_in(client)


def test_empty_form_is_a_400_with_field_errors(client):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "login": "", "password": ""})
    assert response.status_code == 400
    assert "Обязательное поле" in response.get_data(as_text=True)


def test_success_redirects_home_and_greets_the_user(client, make_user):
    user = make_user("patient", full_name="Иванова Мария")
    response = post_login(client, user.email)
    assert response.status_code == 302
    assert response.location == "/"
    home = client.get("/", follow_redirects=True)  # a patient's day starts in the cabinet
    assert home.status_code == 200 and home.request.path == "/cabinet/chat"
    assert "Иванова Мария" in home.get_data(as_text=True)
    [row] = web_sessions(user)
    assert row.revoked_at is None
    assert "auth.login" in audit_actions(user)


def test_login_is_case_insensitive_for_the_email(client, make_user):
    user = make_user("doctor", email="doctor.case@test.clinic")
    response = post_login(client, "  Doctor.CASE@Test.Clinic ")
    assert response.status_code == 302 and response.location == "/"
    assert is_signed_in(client)
    assert len(web_sessions(user)) == 1


def test_signed_in_user_visiting_login_goes_home(client, make_user):
    user = make_user("cashier")
    post_login(client, user.email)
    response = client.get("/login")
    assert response.status_code == 302 and response.location == "/"


# --- next ------------------------------------------------------------------------

def test_anonymous_page_visit_redirects_to_login_with_next(client):
    response = client.get("/profile/")
    assert response.status_code == 302
    assert response.location == "/login?next=%2Fprofile%2F"


def test_next_is_honoured_for_a_local_path(client, make_user):
    user = make_user("receptionist")
    response = post_login(client, user.email, next_url="/profile/")
    assert response.status_code == 302
    assert response.location == "/profile/"


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "http://evil.com/login",
                                    "evil.com", "javascript:alert(1)"])
def test_next_to_another_site_is_refused(client, make_user, target):
    user = make_user("receptionist")
    response = post_login(client, user.email, next_url=target)
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize("target", ["/\\evil.com", "/\t/evil.com"])
def test_next_with_browser_normalised_tricks_is_refused(client, make_user, target):
    user = make_user("receptionist")
    response = post_login(client, user.email, next_url=target)
    assert response.status_code == 302
    assert response.location == "/"


# --- remember me and logout ----------------------------------------------------------

def test_remember_me_sets_the_remember_cookie(client, make_user):
    user = make_user("receptionist")
    response = post_login(client, user.email, remember=True)
    assert response.status_code == 302
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token") is not None


def test_without_remember_me_there_is_no_remember_cookie(client, make_user):
    user = make_user("receptionist")
    response = post_login(client, user.email)
    assert "remember_token=" not in " ".join(response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token") is None


def test_remember_cookie_alone_signs_a_new_browser_in(app, client, make_user):
    user = make_user("receptionist")
    post_login(client, user.email, remember=True)
    browser = fresh_client_with_cookie(app, "remember_token",
                                       client.get_cookie("remember_token").value)
    assert is_signed_in(browser)


def test_logout_ends_the_session_and_revokes_the_row(client, make_user):
    user = make_user("receptionist")
    post_login(client, user.email)
    response = Auth(client).logout()
    assert response.status_code == 302 and response.location == "/login"
    assert not is_signed_in(client)
    [row] = web_sessions(user)
    assert row.revoked_at is not None


def test_logout_shows_a_russian_message(client, make_user):
    user = make_user("receptionist")
    post_login(client, user.email)
    Auth(client).logout()
    assert "Вы вышли из системы" in client.get("/login").get_data(as_text=True)


def test_flash_message_is_shown_once_on_the_login_page(client, make_user):
    user = make_user("receptionist")
    post_login(client, user.email)
    Auth(client).logout()
    html = client.get("/login").get_data(as_text=True)
    assert html.count("Вы вышли из системы") == 1
    assert html.count('id="flashes"') == 1


def test_copied_session_cookie_stops_working_after_logout(app, client, make_user):
    user = make_user("receptionist")
    post_login(client, user.email)
    copied = client.get_cookie("session").value
    assert is_signed_in(fresh_client_with_cookie(app, "session", copied))
    Auth(client).logout()
    assert not is_signed_in(fresh_client_with_cookie(app, "session", copied))


def test_copied_remember_cookie_stops_working_after_logout(app, client, make_user):
    user = make_user("receptionist")
    post_login(client, user.email, remember=True)
    copied = client.get_cookie("remember_token").value
    Auth(client).logout()
    assert not is_signed_in(client)
    assert not is_signed_in(fresh_client_with_cookie(app, "remember_token", copied))


def test_logout_deletes_the_remember_cookie(client, make_user):
    user = make_user("receptionist")
    post_login(client, user.email, remember=True)
    Auth(client).logout()
    assert client.get_cookie("remember_token") is None


def test_logout_needs_post(client, make_user):
    user = make_user("receptionist")
    post_login(client, user.email)
    assert client.get("/logout").status_code == 405
    assert is_signed_in(client)


# --- lockout and inactive accounts --------------------------------------------------

def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, make_user):
    user = make_user("receptionist")
    for _ in range(5):
        assert post_login(client, user.email, WRONG_PASSWORD).status_code in (401, 403)
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 403
    assert LOCKED in response.get_data(as_text=True)
    assert not is_signed_in(client)
    assert web_sessions(user) == []
    assert "auth.locked" in audit_actions(user)


def test_four_wrong_passwords_do_not_lock(client, make_user):
    user = make_user("receptionist")
    for _ in range(4):
        assert post_login(client, user.email, WRONG_PASSWORD).status_code == 401
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert "auth.locked" not in audit_actions(user)


def test_lockout_is_per_account_not_per_browser(app, client, make_user):
    user = make_user("receptionist")
    for _ in range(5):
        post_login(client, user.email, WRONG_PASSWORD)
    other_browser = app.test_client()
    response = post_login(other_browser, user.email)
    assert response.status_code == 403
    assert LOCKED in response.get_data(as_text=True)


def test_inactive_user_cannot_sign_in(client, make_user):
    user = make_user("receptionist")
    user.is_active = False
    db.session.commit()
    response = post_login(client, user.email)
    assert response.status_code == 401
    assert "Учётная запись отключена" in response.get_data(as_text=True)
    assert not is_signed_in(client)
    assert web_sessions(user) == []


def test_inactive_user_with_a_wrong_password_learns_nothing(client, make_user):
    user = make_user("receptionist")
    user.is_active = False
    db.session.commit()
    response = post_login(client, user.email, "wrong-password")
    assert response.status_code == 401
    assert INVALID_CREDENTIALS in response.get_data(as_text=True)


def test_deactivated_user_loses_an_open_session(client, make_user):
    user = make_user("receptionist")
    post_login(client, user.email)
    user.is_active = False
    db.session.commit()
    assert not is_signed_in(client)


# --- CSRF ----------------------------------------------------------------------------

def test_login_post_without_csrf_token_is_a_friendly_400(client, make_user):
    user = make_user("receptionist")
    client.get("/login")
    response = client.post("/login", data={"login": user.email, "password": PASSWORD})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert CSRF_MESSAGE in html and "<html" in html and "Traceback" not in html
    assert not is_signed_in(client)
    assert web_sessions(user) == []


def test_login_post_with_a_forged_csrf_token_is_refused(client, make_user):
    user = make_user("receptionist")
    client.get("/login")
    response = client.post("/login", data={"csrf_token": "forged", "login": user.email,
                                           "password": PASSWORD})
    assert response.status_code == 400
    assert not is_signed_in(client)


def test_htmx_post_with_the_csrf_header_works(client, make_user):
    user = make_user("receptionist")
    post_login(client, user.email)
    token = meta_csrf(client)
    response = client.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 302
    assert not is_signed_in(client)


def test_htmx_post_without_the_csrf_header_fails(client, make_user):
    user = make_user("receptionist")
    post_login(client, user.email)
    response = client.post("/logout", headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert "<html" not in response.get_data(as_text=True)  # a fragment for htmx to show
    assert is_signed_in(client)
    assert web_sessions(user)[0].revoked_at is None
