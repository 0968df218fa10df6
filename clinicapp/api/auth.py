"""Sign-in for apps: the auth endpoints of documents 000, 001 and 002."""
from __future__ import annotations

import marshmallow as ma
from flask import g, request
from flask_jwt_extended import get_jwt

from ..auth import services, tokens
from ..core.errors import ValidationFailed
from ..core.ratelimits import auth_limits
from .base import ApiBlueprint, require_auth
from .schemas import LoginResponseSchema, RegisterResponseSchema, TokenPairSchema, UserSchema

ERRORS = {
    400: "Неверные данные (поля названы в details)",
    401: "Не выполнен вход, неверные учётные данные или токен",
    403: "Учётная запись временно заблокирована (error: account_locked)",
    409: "Пользователь с таким e-mail уже существует",
    429: "Слишком много попыток; см. заголовок Retry-After",
}

legacy = ApiBlueprint("api_auth", __name__, errors=ERRORS, url_prefix="/api/auth", tag="Вход · 000",
                      description="Вход и регистрация (документ 000, «Моя ❤ скидка»)")
v1 = ApiBlueprint("api_v1_auth", __name__, errors=ERRORS,
                  url_prefix="/api/v1/auth", tag="Вход · 001/002",
                  description="Вход и регистрация (документы 001 и 002)")
v1_users = ApiBlueprint("api_v1_users", __name__, errors=ERRORS,
                        url_prefix="/api/v1/users", tag="Профиль · 001",
                        description="Профиль пользователя (документ 001)")


class RegisterSchema(ma.Schema):
    email = ma.fields.Email(required=True)
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=8, max=128))
    full_name = ma.fields.String(load_default="", validate=ma.validate.Length(max=255))
    phone = ma.fields.String(load_default=None, allow_none=True)


class LoginSchema(ma.Schema):
    """`email` (001) or `username` (000, 002; may be the e-mail) and a password."""

    email = ma.fields.String(load_default=None, allow_none=True)
    username = ma.fields.String(load_default=None, allow_none=True)
    password = ma.fields.String(required=True, validate=ma.validate.Length(max=128))
    totp_token = ma.fields.String(load_default=None, allow_none=True)

    @ma.validates_schema
    def _login_given(self, data, **kwargs):
        if not (data.get("email") or data.get("username")):
            raise ma.ValidationError("Укажите email или username", "username")


class RefreshBodySchema(ma.Schema):
    refresh = ma.fields.String(load_default=None, allow_none=True)
    refresh_token = ma.fields.String(load_default=None, allow_none=True)


class RefreshQuerySchema(ma.Schema):
    refresh_token = ma.fields.String(load_default=None)


class LogoutResponseSchema(ma.Schema):
    detail = ma.fields.String()


def _login_payload(user, pair: dict) -> dict:
    # Objects, not dicts: the response schema serializes them.
    return {**pair, "user": user, "branches": user.branches}


def _register(data: dict) -> dict:
    user = services.register_patient(email=data["email"], password=data["password"],
                                     full_name=data["full_name"], phone=data["phone"])
    payload = _login_payload(user, tokens.issue_tokens(user))
    payload.update({k: getattr(user, k) for k in ("id", "email", "full_name", "phone")})
    return payload


def _login(data: dict) -> dict:
    login = data.get("username") or data.get("email")
    user = services.authenticate(login, data["password"], data.get("totp_token"), channel="api")
    return _login_payload(user, tokens.issue_tokens(user))


def _refresh(token: str | None) -> dict:
    if not token:
        raise ValidationFailed("Не передан refresh-токен",
                               details={"refresh_token": ["Обязательное поле"]})
    _user, pair = tokens.rotate(token)
    return pair






# --- document 000: /api/auth ------------------------------------------------

@legacy.route("/register", methods=["POST"])
@auth_limits
@legacy.arguments(RegisterSchema, location="json_or_form")
@legacy.response(201, RegisterResponseSchema)
@legacy.errors(400, 409, 429)
def legacy_register(data):
    """Регистрация пациента: сразу выдаёт токены."""
    return _register(data)


@legacy.route("/login", methods=["POST"])
@auth_limits
@legacy.arguments(LoginSchema, location="json_or_form")
@legacy.response(200, LoginResponseSchema)
@legacy.errors(400, 401, 403, 429)
def legacy_login(data):
    """Вход: form-data `username` (e-mail) и `password`; JSON тоже принимается."""
    return _login(data)


@legacy.route("/refresh", methods=["POST"])
@auth_limits
@legacy.arguments(RefreshQuerySchema, location="query")
@legacy.response(200, TokenPairSchema)
@legacy.errors(400, 401, 429)
def legacy_refresh(query):
    """Новая пара токенов по `refresh_token` из строки запроса (старый гасится)."""
    body = request.get_json(silent=True)
    source = body if isinstance(body, dict) else request.form
    return _refresh(query.get("refresh_token") or source.get("refresh_token"))


@legacy.route("/me", methods=["GET"])
@require_auth()
@legacy.response(200, UserSchema)
@legacy.errors(401)
def legacy_me():
    """Текущий пользователь."""
    return g.api_user


@legacy.route("/logout", methods=["POST"])
@require_auth()
@legacy.response(200, LogoutResponseSchema)
@legacy.errors(401)
def legacy_logout():
    """Выход: отзывает токен доступа и все refresh-токены этого входа."""
    tokens.revoke_by_claims(get_jwt())
    return {"detail": "Вы вышли из системы"}


# --- documents 001 and 002: /api/v1/auth -------------------------------------

@v1.route("/register", methods=["POST"])
@auth_limits
@v1.arguments(RegisterSchema, location="json_or_form")
@v1.response(201, RegisterResponseSchema)
@v1.errors(400, 409, 429)
def v1_register(data):
    """Регистрация пациента (001): `id`, `email`, `full_name`, `phone` и токены."""
    return _register(data)


@v1.route("/login", methods=["POST"])
@auth_limits
@v1.arguments(LoginSchema, location="json_or_form")
@v1.response(200, LoginResponseSchema)
@v1.errors(400, 401, 403, 429)
def v1_login(data):
    """Вход по `email` (001) или `username` (002) и паролю; `totp_token` при 2FA."""
    return _login(data)


@v1.route("/refresh", methods=["POST"])
@auth_limits
@v1.arguments(RefreshBodySchema, location="json_or_form")
@v1.response(200, TokenPairSchema)
@v1.errors(400, 401, 429)
def v1_refresh(data):
    """Новая пара токенов по `refresh` (002) или `refresh_token` (001)."""
    return _refresh(data.get("refresh") or data.get("refresh_token")
                    or request.args.get("refresh_token"))


@v1.route("/me", methods=["GET"])
@require_auth()
@v1.response(200, UserSchema)
@v1.errors(401)
def v1_auth_me():
    """Текущий пользователь (002)."""
    return g.api_user


@v1.route("/logout", methods=["POST"])
@require_auth()
@v1.response(200, LogoutResponseSchema)
@v1.errors(401)
def v1_logout():
    """Выход: отзывает токены этого входа."""
    tokens.revoke_by_claims(get_jwt())
    return {"detail": "Вы вышли из системы"}


@v1_users.route("/me", methods=["GET"])
@require_auth()
@v1_users.response(200, UserSchema)
@v1_users.errors(401)
def v1_users_me():
    """Профиль текущего пользователя (001)."""
    return g.api_user


BLUEPRINTS = (legacy, v1, v1_users)
