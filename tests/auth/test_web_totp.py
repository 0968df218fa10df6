"""Two-factor sign-in on the web: forced enrolment for administrators, the
second step for staff with 2FA, recovery codes, replay protection, opt-in
enrolment and switching 2FA off from the profile.

Codes are computed with pyotp from the secret the enrolment page shows, as a
person would type them from an authenticator app.
"""
from __future__ import annotations

import base64
import re
import time

import pyotp
import pytest

from clinicapp.audit.models import AuditEntry
from clinicapp.auth.models import RecoveryCode, User
from clinicapp.extensions import db
from tests.auth.test_web_login import is_signed_in
from tests.conftest import PASSWORD, Auth, csrf_token

WRONG_CODE_ENROL = "Код не подошёл"
WRONG_CODE_LOGIN = "Неверный код двухфакторной аутентификации"


# --- helpers -------------------------------------------------------------------

def password_step(client, user: User, password: str = PASSWORD):
    """The first factor only: the response of POST /login."""
    return Auth(client).login(user.email, password)


def submit(client, url: str, data: dict, form_url: str | None = None, prefix: str = ""):
    """GET the page holding the form (for its CSRF token), then POST `data` to `url`."""
    html = client.get(form_url or url).get_data(as_text=True)
    field = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return client.post(url, data={field: csrf_token(html), **data})


def shown_secret(html: str) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7]+)<', html)
    assert match, "no secret on the enrolment page"
    return match.group(1)


def shown_qr_svg(html: str) -> bytes:
    match = re.search(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)
    assert match, "no inline SVG QR code on the enrolment page"
    return base64.b64decode(match.group(1))


def shown_recovery_codes(html: str) -> list[str]:
    block = re.search(r'<ul class="codes" id="recovery-codes">(.*?)</ul>', html, re.S)
    assert block, "no recovery codes on the page"
    return re.findall(r"<li>([^<]+)</li>", block.group(1))


def next_step_code(secret: str) -> str:
    """The code of the next 30-second step (accepted: ±1 step of clock drift).

    Needed where the current step's code was already spent, since a code is
    never accepted twice.
    """
    return pyotp.TOTP(secret).at(time.time() + 30)


def audit_actions(user: User) -> list[str]:
    return list(db.session.scalars(
        db.select(AuditEntry.action).where(AuditEntry.target_type == "users",
                                           AuditEntry.target_id == str(user.id))))


@pytest.fixture
def staff_with_2fa(make_user):
    """A doctor with 2FA on; `.secret` is the authenticator's secret."""
    secret = pyotp.random_base32()
    user = make_user("doctor", totp_secret=secret)
    user.secret = secret
    return user


def enrol_admin(client, make_user):
    """An administrator's first sign-in with forced enrolment.

    Returns (admin, secret, recovery codes); the client is left signed in.
    """
    admin = make_user("admin")
    assert password_step(client, admin).location == "/login/enrol"
    secret = shown_secret(client.get("/login/enrol").get_data(as_text=True))
    response = submit(client, "/login/enrol", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    return admin, secret, shown_recovery_codes(response.get_data(as_text=True))


# --- forced enrolment for administrators ----------------------------------------------

def test_admin_without_2fa_is_sent_to_enrolment_without_a_session(client, make_user):
    admin = make_user("admin")
    response = password_step(client, admin)
    assert response.status_code == 302
    assert response.location == "/login/enrol"
    assert not is_signed_in(client)


def test_enrolment_page_shows_a_qr_code_and_the_secret(client, make_user):
    admin = make_user("admin")
    password_step(client, admin)
    page = client.get("/login/enrol")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Двухфакторная аутентификация" in html
    assert b"<svg" in shown_qr_svg(html)
    assert len(shown_secret(html)) >= 16


def test_enrolment_with_a_correct_code_enables_2fa_and_signs_in(client, make_user):
    admin = make_user("admin")
    password_step(client, admin)
    secret = shown_secret(client.get("/login/enrol").get_data(as_text=True))
    response = submit(client, "/login/enrol", {"code": pyotp.TOTP(secret).now()})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    codes = shown_recovery_codes(html)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "Коды показываются только сейчас" in html
    assert is_signed_in(client)
    db.session.refresh(admin)
    assert admin.totp_enabled and admin.totp_secret == secret
    assert "auth.totp_enabled" in audit_actions(admin)


def test_recovery_codes_are_shown_once_and_stored_only_as_hashes(client, make_user):
    admin, _secret, codes = enrol_admin(client, make_user)
    profile = client.get("/profile/").get_data(as_text=True)
    assert "Неиспользованных кодов восстановления: 10" in profile
    assert not any(code in profile for code in codes)
    stored = set(db.session.scalars(
        db.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == admin.id)))
    assert len(stored) == 10 and not stored & set(codes)


def test_enrolment_with_a_wrong_code_is_a_400_in_russian(client, make_user):
    admin = make_user("admin")
    password_step(client, admin)
    secret = shown_secret(client.get("/login/enrol").get_data(as_text=True))
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    response = submit(client, "/login/enrol", {"code": wrong})
    assert response.status_code == 400
    assert WRONG_CODE_ENROL in response.get_data(as_text=True)
    assert not is_signed_in(client)
    db.session.refresh(admin)
    assert not admin.totp_enabled


def test_enrolment_keeps_the_same_secret_across_attempts(client, make_user):
    admin = make_user("admin")
    password_step(client, admin)
    first = shown_secret(client.get("/login/enrol").get_data(as_text=True))
    submit(client, "/login/enrol", {"code": "abc"})
    assert shown_secret(client.get("/login/enrol").get_data(as_text=True)) == first


def test_enrolment_page_needs_the_password_step(client):
    response = client.get("/login/enrol")
    assert response.status_code == 302 and response.location == "/login"


def test_password_alone_cannot_replace_an_enrolled_authenticator(client, staff_with_2fa):
    password_step(client, staff_with_2fa)
    page = client.get("/login/enrol")
    if page.status_code == 200:  # the attack: enrol an authenticator of one's own
        attacker_secret = shown_secret(page.get_data(as_text=True))
        submit(client, "/login/enrol", {"code": pyotp.TOTP(attacker_secret).now()})
    assert not is_signed_in(client)
    db.session.refresh(staff_with_2fa)
    assert staff_with_2fa.totp_secret == staff_with_2fa.secret


def test_each_account_gets_its_own_enrolment_secret(client, make_user):
    first, second = make_user("admin"), make_user("admin")
    password_step(client, first)
    first_secret = shown_secret(client.get("/login/enrol").get_data(as_text=True))
    assert password_step(client, second).location == "/login/enrol"
    second_secret = shown_secret(client.get("/login/enrol").get_data(as_text=True))
    assert second_secret != first_secret


# --- the second step ---------------------------------------------------------------

def test_staff_with_2fa_goes_to_the_second_step_without_a_session(client, staff_with_2fa):
    response = password_step(client, staff_with_2fa)
    assert response.status_code == 302
    assert response.location == "/login/2fa"
    assert not is_signed_in(client)
    assert "Подтверждение входа" in client.get("/login/2fa").get_data(as_text=True)


def test_correct_code_signs_in(client, staff_with_2fa):
    password_step(client, staff_with_2fa)
    response = submit(client, "/login/2fa", {"code": pyotp.TOTP(staff_with_2fa.secret).now()})
    assert response.status_code == 302 and response.location == "/"
    assert is_signed_in(client)


def test_second_step_keeps_next(client, staff_with_2fa):
    page = client.get("/login?next=/profile/")
    client.post("/login?next=/profile/", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "login": staff_with_2fa.email, "password": PASSWORD})
    response = submit(client, "/login/2fa", {"code": pyotp.TOTP(staff_with_2fa.secret).now()})
    assert response.location == "/profile/"


def test_wrong_code_is_refused_with_a_russian_message(client, staff_with_2fa):
    password_step(client, staff_with_2fa)
    now = pyotp.TOTP(staff_with_2fa.secret).now()
    response = submit(client, "/login/2fa", {"code": "000000" if now != "000000" else "111111"})
    assert response.status_code == 401
    assert WRONG_CODE_LOGIN in response.get_data(as_text=True)
    assert not is_signed_in(client)


def test_code_of_another_secret_is_refused(client, staff_with_2fa):
    password_step(client, staff_with_2fa)
    response = submit(client, "/login/2fa", {"code": pyotp.TOTP(pyotp.random_base32()).now()})
    assert response.status_code == 401
    assert not is_signed_in(client)


def test_second_step_page_needs_the_password_step(client):
    response = client.get("/login/2fa")
    assert response.status_code == 302 and response.location == "/login"


def test_a_totp_code_cannot_be_replayed(client, staff_with_2fa):
    code = pyotp.TOTP(staff_with_2fa.secret).now()
    password_step(client, staff_with_2fa)
    assert submit(client, "/login/2fa", {"code": code}).location == "/"
    Auth(client).logout()
    password_step(client, staff_with_2fa)
    replay = submit(client, "/login/2fa", {"code": code})
    assert replay.status_code == 401
    assert WRONG_CODE_LOGIN in replay.get_data(as_text=True)
    assert not is_signed_in(client)


def test_a_recovery_code_works_exactly_once(client, make_user):
    admin, _secret, codes = enrol_admin(client, make_user)
    Auth(client).logout()
    assert password_step(client, admin).location == "/login/2fa"
    assert submit(client, "/login/2fa", {"code": codes[0]}).location == "/"
    assert is_signed_in(client)
    assert "auth.recovery_code_used" in audit_actions(admin)
    Auth(client).logout()
    password_step(client, admin)
    again = submit(client, "/login/2fa", {"code": codes[0]})
    assert again.status_code == 401
    assert not is_signed_in(client)


def test_wrong_codes_count_towards_lockout(client, staff_with_2fa):
    password_step(client, staff_with_2fa)
    for _ in range(4):
        assert submit(client, "/login/2fa", {"code": "abcdef"}).status_code == 401
    locked = submit(client, "/login/2fa", {"code": "abcdef"})
    assert locked.status_code == 302 and locked.location == "/login"
    assert "заблокирована" in client.get("/login").get_data(as_text=True)
    assert "auth.locked" in audit_actions(staff_with_2fa)
    assert not is_signed_in(client)


# --- opt-in enrolment and the profile's 2FA section -------------------------------------

def test_receptionist_enrols_from_the_profile(client, make_user):
    user = make_user("receptionist")
    Auth(client).login(user.email)
    page = client.get("/profile/2fa/enable")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert b"<svg" in shown_qr_svg(html)
    secret = shown_secret(html)
    response = submit(client, "/profile/2fa/enable", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    assert len(shown_recovery_codes(response.get_data(as_text=True))) == 10
    db.session.refresh(user)
    assert user.totp_enabled and user.totp_secret == secret
    assert is_signed_in(client)

    Auth(client).logout()
    assert password_step(client, user).location == "/login/2fa"
    assert submit(client, "/login/2fa", {"code": next_step_code(secret)}).location == "/"


def test_profile_enrolment_with_a_wrong_code_is_a_400(client, make_user):
    user = make_user("receptionist")
    Auth(client).login(user.email)
    response = submit(client, "/profile/2fa/enable", {"code": "12345x"})
    assert response.status_code == 400
    assert WRONG_CODE_ENROL in response.get_data(as_text=True)
    db.session.refresh(user)
    assert not user.totp_enabled


def test_profile_enrolment_needs_a_session(client):
    response = client.get("/profile/2fa/enable")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_disable_2fa_with_the_password(client, staff_with_2fa):
    Auth(client).login(staff_with_2fa.email, totp_secret=staff_with_2fa.secret)
    response = submit(client, "/profile/2fa/disable", {"off-password": PASSWORD},
                      form_url="/profile/", prefix="off")
    assert response.status_code == 302
    db.session.refresh(staff_with_2fa)
    assert not staff_with_2fa.totp_enabled and staff_with_2fa.totp_secret is None
    Auth(client).logout()
    assert password_step(client, staff_with_2fa).location == "/"


def test_disable_2fa_with_a_wrong_password_is_refused(client, staff_with_2fa):
    Auth(client).login(staff_with_2fa.email, totp_secret=staff_with_2fa.secret)
    response = submit(client, "/profile/2fa/disable", {"off-password": "not-my-password"},
                      form_url="/profile/", prefix="off")
    assert response.status_code == 400
    assert "Пароль указан неверно" in response.get_data(as_text=True)
    db.session.refresh(staff_with_2fa)
    assert staff_with_2fa.totp_enabled


def test_admin_cannot_disable_2fa(client, make_user):
    secret = pyotp.random_base32()
    admin = make_user("admin", totp_secret=secret)
    Auth(client).login(admin.email, totp_secret=secret)
    assert "Для администраторов двухфакторная аутентификация обязательна" in \
        client.get("/profile/").get_data(as_text=True)
    response = submit(client, "/profile/2fa/disable", {"off-password": PASSWORD},
                      form_url="/profile/", prefix="off")
    assert response.status_code == 403
    assert "двухфакторная аутентификация обязательна" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.totp_enabled and admin.totp_secret == secret


def test_new_recovery_codes_need_the_right_password(client, make_user):
    admin, _secret, codes = enrol_admin(client, make_user)
    before = set(db.session.scalars(
        db.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == admin.id)))
    response = submit(client, "/profile/2fa/recovery-codes", {"rc-password": "wrong-pass-000"},
                      form_url="/profile/", prefix="rc")
    assert response.status_code == 302
    assert "Новые коды не выпущены: Пароль указан неверно" in \
        client.get("/profile/").get_data(as_text=True)
    after = set(db.session.scalars(
        db.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == admin.id)))
    assert after == before and len(after) == 10


def test_new_recovery_codes_replace_the_old_ones(client, make_user):
    admin, _secret, old = enrol_admin(client, make_user)
    response = submit(client, "/profile/2fa/recovery-codes", {"rc-password": PASSWORD},
                      form_url="/profile/", prefix="rc")
    assert response.status_code == 200
    new = shown_recovery_codes(response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert "Неиспользованных кодов восстановления: 10" in \
        client.get("/profile/").get_data(as_text=True)
    Auth(client).logout()
    password_step(client, admin)
    assert submit(client, "/login/2fa", {"code": old[0]}).status_code == 401
    assert submit(client, "/login/2fa", {"code": new[0]}).location == "/"
