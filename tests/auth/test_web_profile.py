"""The profile page: who I am, changing the password, the list of active web
sessions and ending another one of them (two separate browsers).

The profile forms carry prefixes (``pw-``, ``off-``, ``rc-``), so their CSRF
fields are ``pw-csrf_token`` and so on.
"""
from __future__ import annotations

import re

from clinicapp.auth.models import User, UserSession
from clinicapp.extensions import db
from tests.auth.test_web_login import is_signed_in
from tests.conftest import PASSWORD, Auth, csrf_token

NEW_PASSWORD = "brand-new-pass-456"

# --- helpers -------------------------------------------------------------------

def browser(app, user_agent: str):
    """A separate test client that identifies itself with `user_agent`."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def post_profile_form(client, path: str, prefix: str, **fields):
    """Submit one of the profile page's prefixed forms."""
    token = csrf_token(client.get("/profile/").get_data(as_text=True))
    data = {f"{prefix}-csrf_token": token}
    data.update({f"{prefix}-{name}": value for name, value in fields.items()})
    return client.post(path, data=data)


def change_password(client, current: str, new: str, confirm: str | None = None):
    return post_profile_form(client, "/profile/password", "pw", current_password=current,
                             new_password=new, confirm=new if confirm is None else confirm)


def revoke_buttons(client) -> list[int]:
    """Ids of the sessions the profile page offers to end (never the current one)."""
    html = client.get("/profile/").get_data(as_text=True)
    return [int(i) for i in re.findall(r'action="/profile/sessions/(\d+)/revoke"', html)]


def revoke(client, session_id: int):
    token = csrf_token(client.get("/profile/").get_data(as_text=True))
    return client.post(f"/profile/sessions/{session_id}/revoke", data={"csrf_token": token})


def live_sessions(user: User) -> list[UserSession]:
    return list(db.session.scalars(db.select(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None))))


# --- the page ---------------------------------------------------------------------

def test_profile_needs_a_session(client):
    response = client.get("/profile/")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_profile_shows_who_i_am(client, make_user, make_clinic):
    clinic = make_clinic("Клиника на Тверской")
    user = make_user("cashier", full_name="Кассирова Елена", branches=[clinic])
    Auth(client).login(user.email)
    html = client.get("/profile/").get_data(as_text=True)
    assert "Профиль и безопасность" in html
    assert "Кассирова Елена" in html and user.email in html and "Кассир" in html
    assert "Клиника на Тверской" in html
    assert "Сменить пароль" in html and "Активные сеансы" in html


# --- changing the password -----------------------------------------------------------

def test_wrong_current_password_is_a_400_with_a_message(client, make_user):
    user = make_user("receptionist")
    Auth(client).login(user.email)
    response = change_password(client, "not-my-password", NEW_PASSWORD)
    assert response.status_code == 400
    assert "Текущий пароль указан неверно" in response.get_data(as_text=True)


def test_new_passwords_that_do_not_match_are_refused(client, make_user):
    user = make_user("receptionist")
    Auth(client).login(user.email)
    response = change_password(client, PASSWORD, NEW_PASSWORD, confirm=NEW_PASSWORD + "x")
    assert response.status_code == 400
    assert "Пароли не совпадают" in response.get_data(as_text=True)


def test_too_short_new_password_is_refused(client, make_user):
    user = make_user("receptionist")
    Auth(client).login(user.email)
    response = change_password(client, PASSWORD, "short")
    assert response.status_code == 400
    assert "Не короче 8 символов" in response.get_data(as_text=True)


def test_refused_change_keeps_the_old_password(client, make_user):
    user = make_user("receptionist")
    Auth(client).login(user.email)
    change_password(client, "not-my-password", NEW_PASSWORD)
    Auth(client).logout()
    assert Auth(client).login(user.email, NEW_PASSWORD).status_code == 401
    assert Auth(client).login(user.email, PASSWORD).location == "/"


def test_changed_password_works_for_the_next_sign_in(client, make_user):
    user = make_user("receptionist")
    Auth(client).login(user.email)
    response = change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302 and response.location == "/profile/"
    assert "Пароль изменён" in client.get("/profile/").get_data(as_text=True)
    Auth(client).logout()
    assert Auth(client).login(user.email, PASSWORD).status_code == 401
    assert Auth(client).login(user.email, NEW_PASSWORD).location == "/"


# --- active sessions ------------------------------------------------------------------

def test_active_sessions_lists_each_browser(app, make_user):
    user = make_user("receptionist")
    desk, phone = browser(app, "Desk Firefox"), browser(app, "Phone Safari")
    Auth(desk).login(user.email)
    Auth(phone).login(user.email)
    html = desk.get("/profile/").get_data(as_text=True)
    assert "Desk Firefox" in html and "Phone Safari" in html
    assert html.count(">этот</span>") == 1
    assert len(live_sessions(user)) == 2
    assert len(revoke_buttons(desk)) == 1  # the other browser only


def test_sessions_of_other_people_are_not_listed(app, make_user):
    me, someone = make_user("receptionist"), make_user("doctor")
    mine, theirs = browser(app, "My Browser"), browser(app, "Their Browser")
    Auth(mine).login(me.email)
    Auth(theirs).login(someone.email)
    html = mine.get("/profile/").get_data(as_text=True)
    assert "My Browser" in html and "Their Browser" not in html


def test_logged_out_session_leaves_the_list(app, make_user):
    user = make_user("receptionist")
    desk, phone = browser(app, "Desk Firefox"), browser(app, "Phone Safari")
    Auth(desk).login(user.email)
    Auth(phone).login(user.email)
    Auth(phone).logout()
    assert "Phone Safari" not in desk.get("/profile/").get_data(as_text=True)
    assert revoke_buttons(desk) == []


def test_revoking_another_session_signs_that_browser_out(app, make_user):
    user = make_user("receptionist")
    desk, phone = browser(app, "Desk Firefox"), browser(app, "Phone Safari")
    Auth(desk).login(user.email)
    Auth(phone).login(user.email)
    [phone_session] = revoke_buttons(desk)
    response = revoke(desk, phone_session)
    assert response.status_code == 302 and response.location == "/profile/"
    assert not is_signed_in(phone)
    assert is_signed_in(desk)
    assert db.session.get(UserSession, phone_session).revoked_at is not None
    assert "Phone Safari" not in desk.get("/profile/").get_data(as_text=True)


def test_cannot_revoke_someone_elses_session(app, make_user):
    me, someone = make_user("receptionist"), make_user("doctor")
    mine, theirs = browser(app, "My Browser"), browser(app, "Their Browser")
    Auth(mine).login(me.email)
    Auth(theirs).login(someone.email)
    [their_session] = live_sessions(someone)
    response = revoke(mine, their_session.id)
    assert response.status_code == 403
    assert "Это не ваш сеанс" in response.get_data(as_text=True)
    assert is_signed_in(theirs)
    db.session.refresh(their_session)
    assert their_session.revoked_at is None


def test_revoke_needs_the_csrf_token(app, make_user):
    user = make_user("receptionist")
    desk, phone = browser(app, "Desk Firefox"), browser(app, "Phone Safari")
    Auth(desk).login(user.email)
    Auth(phone).login(user.email)
    [phone_session] = revoke_buttons(desk)
    assert desk.post(f"/profile/sessions/{phone_session}/revoke").status_code == 400
    assert is_signed_in(phone)
