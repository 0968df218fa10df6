"""Rate limits of document 000: 10 requests/s per API client, 5/min on sign-in.

The numbers are settings (RATELIMIT_API, RATELIMIT_AUTH) so the benchmark
can raise them; storage is Redis when REDIS_URL is set.
"""
from __future__ import annotations

from flask import current_app, request
from flask_jwt_extended import decode_token
from flask_limiter.util import get_remote_address
from jwt import PyJWTError

from ..extensions import limiter


def _api_limit() -> str:
    return current_app.config["RATELIMIT_API"]


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


def api_client_key() -> str:
    """The signed-in user (from the bearer token, without a database hit), else the address."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        try:
            return "user:" + str(decode_token(header[7:].strip())["sub"])
        except (PyJWTError, KeyError):
            pass
    return "ip:" + get_remote_address()


def account_key() -> str:
    """The account a sign-in names, so one account can't be sprayed from many addresses."""
    body = request.get_json(silent=True) if request.is_json else None
    source = body if isinstance(body, dict) else request.form
    login = source.get("username") or source.get("email") or ""
    return "account:" + str(login).strip().lower()


def limit_api_blueprint(blueprint) -> None:
    limiter.limit(_api_limit, key_func=api_client_key)(blueprint)


def auth_limits(func):
    """5/min per address and 5/min per account (either one trips the limit)."""
    func = limiter.limit(_auth_limit, key_func=get_remote_address, scope="auth-ip")(func)
    return limiter.limit(_auth_limit, key_func=account_key, scope="auth-account",
                         exempt_when=lambda: account_key() == "account:")(func)
