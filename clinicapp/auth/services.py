"""Accounts: registration, sign-in with lockout and TOTP, passwords, 2FA, users admin."""
from __future__ import annotations

import secrets
from datetime import timedelta
from functools import partial

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, update

from ..audit.services import record
from ..core.emails import InvalidEmail, normalize_email
from ..core.errors import Conflict, PermissionDenied, ValidationFailed
from ..core.models import utcnow
from ..core.phones import InvalidPhone, normalize_phone
from ..core.signals import user_registered
from ..extensions import db
from ..org.models import Clinic
from . import totp
from .errors import AccountLocked, LoginFailed, SignInError
from .models import ROLES, TokenFamily, User, UserSession
from .passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password


def find_by_login(login: str) -> User | None:
    """The user whose e-mail or username is `login` (case-insensitive)."""
    login = (login or "").strip().lower()
    if not login:
        return None
    return db.session.scalar(
        db.select(User).where((User.email == login) | (User.username == login)))


def check_login_names(email: str, username: str | None, user: User | None = None) -> None:
    """One login name, one account: call before giving `user` (None: a new account)
    the normalized `email` and `username`.

    Neither may be another account's e-mail or username, and a username may
    hold "@" only when it is the account's own e-mail. Concurrent calls for
    the same names wait for each other until the transaction ends. Raises
    Conflict (a name is taken), ValidationFailed (an address as a username).
    """
    names = sorted({email, username} - {None})
    for name in names:
        db.session.execute(db.select(func.pg_advisory_xact_lock(func.hashtext("login:" + name))))

    def taken(login: str) -> bool:
        other = find_by_login(login)
        return other is not None and (user is None or other.id != user.id)

    if taken(email):
        message = _("Пользователь с таким e-mail уже существует")
        raise Conflict(message, details={"email": [message]})
    if username and taken(username):
        message = _("Этот логин уже занят")
        raise Conflict(message, details={"username": [message]})
    if username and "@" in username and username != email:
        message = _("Логин может содержать «@», только если совпадает с e-mail "
                    "этой учётной записи")
        raise ValidationFailed(message, details={"username": [message]})


def _clean_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    try:
        return normalize_phone(phone)
    except InvalidPhone as exc:
        raise ValidationFailed(str(exc), details={"phone": [str(exc)]}) from exc


def _check_password_strength(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        message = ngettext("Пароль должен быть не короче %(num)d символа",
                           "Пароль должен быть не короче %(num)d символов", MIN_PASSWORD_LENGTH)
        raise ValidationFailed(message, details={field: [message]})


def _unknown_role() -> ValidationFailed:
    message = _("Неизвестная роль")
    return ValidationFailed(message, details={"role": [message]})


def create_user(actor, *, email: str, password: str, role: str, full_name: str = "",
                phone: str | None = None, username: str | None = None,
                branch_ids: list[int] | None = None, totp_secret: str | None = None,
                is_active: bool = True) -> User:
    """Create an account. Raises ValidationFailed (also a username that is another
    address), Conflict (the e-mail or username is already someone's login)."""
    try:
        email = normalize_email(email)
    except InvalidEmail as exc:
        raise ValidationFailed(str(exc), details={"email": [str(exc)]}) from exc
    if role not in ROLES:
        raise _unknown_role()
    _check_password_strength(password)
    username = (username or "").strip().lower() or None
    check_login_names(email, username)
    user = User(email=email, username=username, full_name=(full_name or "").strip(),
                phone=_clean_phone(phone), password_hash=hash_password(password), role=role,
                is_active=is_active)
    if branch_ids:
        user.branches = list(db.session.scalars(db.select(Clinic).where(Clinic.id.in_(branch_ids))))
    if totp_secret:
        user.totp_secret = totp_secret
        user.totp_enabled = True
    db.session.add(user)
    db.session.flush()
    record(actor, "user.created", user, {"email": email, "role": role})
    return user


def register_patient(*, email: str, password: str, full_name: str = "",
                     phone: str | None = None) -> User:
    """Self-registration from an app or the cabinet: a patient account.

    Raises ValidationFailed, Conflict. Sends `user_registered` so the registry
    can link a patient record in the same transaction.
    """
    user = create_user(None, email=email, password=password, role="patient",
                       full_name=full_name, phone=phone)
    user_registered.send(current_app._get_current_object(), user=user)
    return user


def _register_failure(user_id: int) -> None:
    """Bookkeeping of a failed attempt: count it atomically; at the configured
    limit lock the account and raise AccountLocked."""
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    failures = db.session.execute(
        update(User).where(User.id == user_id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if failures is None:
        return
    user = db.session.get(User, user_id)
    if failures >= limit:
        minutes = current_app.config["LOGIN_LOCKOUT_MINUTES"]
        db.session.execute(
            update(User).where(User.id == user_id)
            .values(locked_until=utcnow() + timedelta(minutes=minutes), failed_logins=0)
            .execution_options(synchronize_session=False))
        record(user, "auth.locked", user, {"failures": failures, "minutes": minutes})
    db.session.expire(user)
    _ensure_not_locked(user)


def _counted(error: SignInError, user: User) -> SignInError:
    """`error`, counting towards the lockout of `user` (see auth.errors)."""
    return error.with_bookkeeping(partial(_register_failure, user.id))


def _ensure_not_locked(user: User) -> None:
    if user.locked_until and user.locked_until > utcnow():
        minutes = max(1, int((user.locked_until - utcnow()).total_seconds() // 60) + 1)
        raise AccountLocked(
            _("Учётная запись временно заблокирована после неудачных попыток входа. "
              "Повторите через %(minutes)d мин.", minutes=minutes),
            details={"retry_after_minutes": minutes})


def check_password(login: str, password: str) -> User:
    """First factor. Returns the user or raises LoginFailed / AccountLocked.

    A wrong password's LoginFailed carries the failure's bookkeeping (see auth.errors).
    """
    user = find_by_login(login)
    if user is None:
        verify_password(None, password or "")
        raise LoginFailed(_("Неверный логин или пароль"))
    _ensure_not_locked(user)
    if not verify_password(user.password_hash, password or ""):
        raise _counted(LoginFailed(_("Неверный логин или пароль")), user)
    if not user.is_active:
        raise LoginFailed(_("Учётная запись отключена. Обратитесь к администратору"),
                          code="account_disabled")
    return user


def _claim_totp_step(user: User, step: int) -> bool:
    """Accept the time step once: False when it (or a later one) was accepted
    already, even by a sign-in running at the same moment."""
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id,
               or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    db.session.expire(user, ["totp_last_step"])
    return claimed is not None


def check_second_factor(user: User, code: str | None) -> None:
    """Second factor: a TOTP code (never the same one twice) or a recovery code.

    Raises LoginFailed with code `totp_required` / `totp_invalid` (a replayed
    code too); both count towards lockout.
    """
    if not user.totp_enabled:
        return
    code = (code or "").strip()
    if not code:
        raise _counted(LoginFailed(
            _("Введите код из приложения-аутентификатора"), code="totp_required",
            details={"totp_token": [_("Требуется код двухфакторной аутентификации")]}), user)
    step = totp.matching_step(user.totp_secret, code)
    if step is not None:
        if _claim_totp_step(user, step):
            return
    elif totp.use_recovery_code(user, code):
        record(user, "auth.recovery_code_used", user)
        return
    raise _counted(LoginFailed(_("Неверный код двухфакторной аутентификации"),
                               code="totp_invalid", details={"totp_token": [_("Неверный код")]}),
                   user)


def complete_login(user: User, channel: str) -> None:
    """Record a successful sign-in (resets the failure count)."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    record(user, "auth.login", user, {"channel": channel})


def authenticate(login: str, password: str, code: str | None, channel: str) -> User:
    """Both factors at once, as the API takes them. Raises LoginFailed, AccountLocked."""
    user = check_password(login, password)
    check_second_factor(user, code)
    complete_login(user, channel)
    return user


def open_web_session(user: User, ip: str | None, user_agent: str | None) -> UserSession:
    """A new browser session row; its key goes into the cookie."""
    session = UserSession(key=secrets.token_urlsafe(32), user_id=user.id, ip=ip,
                          user_agent=(user_agent or "")[:255])
    db.session.add(session)
    db.session.flush()
    return session


def load_web_session(key: str) -> User | None:
    """The user of a live session key, or None (revoked, unknown, inactive)."""
    row = db.session.execute(
        db.select(UserSession, User).join(User, User.id == UserSession.user_id)
        .where(UserSession.key == key, UserSession.revoked_at.is_(None), User.is_active)
    ).first()
    if row is None:
        return None
    web_session, user = row
    user.session_key = web_session.key
    return user


def active_sessions(user: User) -> list[UserSession]:
    return list(db.session.scalars(
        db.select(UserSession).where(UserSession.user_id == user.id,
                                     UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())))


def revoke_web_session(actor: User, session_id: int) -> None:
    """End one of the actor's own sessions."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != actor.id:
        raise PermissionDenied(_("Это не ваш сеанс"))
    row.revoked_at = utcnow()
    record(actor, "auth.session_revoked", actor, {"session_id": session_id})


def end_web_session(key: str | None) -> None:
    if key:
        db.session.execute(update(UserSession).where(UserSession.key == key)
                           .values(revoked_at=func.coalesce(UserSession.revoked_at, func.now())))


def change_password(user: User, current: str, new: str, keep_session: str | None = None) -> None:
    """Set a new password and sign out everywhere else (other browsers, every app token).

    Raises ValidationFailed when the current password is wrong or the new one weak.
    """
    if not verify_password(user.password_hash, current or ""):
        message = _("Текущий пароль указан неверно")
        raise ValidationFailed(message, details={"current_password": [message]})
    _check_password_strength(new, "new_password")
    user.password_hash = hash_password(new)
    sign_out_everywhere(user, keep_session=keep_session)
    record(user, "auth.password_changed", user)


def sign_out_everywhere(user: User, keep_session: str | None = None) -> None:
    """Revoke every web session (but `keep_session`) and every app token family."""

    now = utcnow()
    sessions = update(UserSession).where(UserSession.user_id == user.id,
                                         UserSession.revoked_at.is_(None))
    if keep_session:
        sessions = sessions.where(UserSession.key != keep_session)
    db.session.execute(sessions.values(revoked_at=now))
    db.session.execute(update(TokenFamily).where(TokenFamily.user_id == user.id,
                                                 TokenFamily.revoked_at.is_(None))
                       .values(revoked_at=now, revoke_reason="password_changed"))


def set_password(actor: User, user: User, new: str) -> None:
    """An administrator sets someone's password and signs them out everywhere
    (every browser and app token; the actor's own current browser stays
    signed in when it is their own account). Raises ValidationFailed (weak)."""
    _check_password_strength(new)
    user.password_hash = hash_password(new)
    keep = actor.get_id() if actor is not None and actor.id == user.id else None
    sign_out_everywhere(user, keep_session=keep)
    record(actor, "user.password_set", user)


def enable_totp(user: User, secret: str, code: str) -> list[str]:
    """Confirm enrolment with a code from the new secret; returns recovery codes."""
    step = totp.matching_step(secret, code)
    if step is None:
        raise ValidationFailed(
            _("Код не подошёл. Проверьте время на телефоне и попробуйте снова"),
            details={"code": [_("Неверный код")]})
    user.totp_secret = secret
    user.totp_enabled = True
    user.totp_last_step = step
    codes = totp.issue_recovery_codes(user)
    record(user, "auth.totp_enabled", user)
    return codes


def _wrong_password() -> ValidationFailed:
    return ValidationFailed(_("Пароль указан неверно"),
                            details={"password": [_("Неверный пароль")]})


def disable_totp(user: User, password: str) -> None:
    """Turn 2FA off (not allowed for administrators)."""
    if user.role == "admin":
        raise PermissionDenied(_("Администраторам двухфакторная аутентификация обязательна"))
    if not verify_password(user.password_hash, password or ""):
        raise _wrong_password()
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_step = None
    totp.issue_recovery_codes(user)  # invalidates the old ones
    record(user, "auth.totp_disabled", user)


def regenerate_recovery_codes(user: User, password: str) -> list[str]:
    """New recovery codes (the old ones stop working). Raises ValidationFailed."""
    if not user.totp_enabled:
        raise ValidationFailed(_("Двухфакторная аутентификация не включена"))
    if not verify_password(user.password_hash, password or ""):
        raise _wrong_password()
    codes = totp.issue_recovery_codes(user)
    record(user, "auth.recovery_codes_issued", user)
    return codes


def must_enrol_totp(user: User) -> bool:
    return user.role == "admin" and not user.totp_enabled


def update_user(actor: User, user: User, *, role: str, branch_ids: list[int],
                is_active: bool, full_name: str, phone: str | None) -> None:
    """Admin edits of an account. Raises ValidationFailed, PermissionDenied."""
    if role not in ROLES:
        raise _unknown_role()
    if user.id == actor.id and (role != user.role or not is_active):
        raise PermissionDenied(_("Нельзя изменить роль или отключить свою учётную запись"))
    before = {"role": user.role, "is_active": user.is_active,
              "branches": sorted(b.id for b in user.branches)}
    user.role = role
    user.is_active = is_active
    user.full_name = full_name.strip()
    user.phone = _clean_phone(phone)
    user.branches = list(db.session.scalars(db.select(Clinic).where(Clinic.id.in_(branch_ids))))
    after = {"role": role, "is_active": is_active, "branches": sorted(branch_ids)}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        record(actor, "user.updated", user, changes)


def set_language(user: User, language: str | None) -> None:
    """The user's interface language: a configured locale (BABEL_SUPPORTED_LOCALES), or
    None to let the browser's Accept-Language decide. Audited when it changes.

    Raises ValidationFailed (a language without a catalogue).
    """
    language = language or None
    if language is not None and language not in current_app.config["BABEL_SUPPORTED_LOCALES"]:
        message = _("Выберите язык из списка")
        raise ValidationFailed(message, details={"language": [message]})
    if user.language == language:
        return
    record(user, "auth.language_changed", user, {"language": [user.language, language]})
    user.language = language
