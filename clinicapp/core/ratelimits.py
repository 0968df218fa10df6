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
    login = source.get("username") or source.get("email") or source.get("login") or ""
    return "account:" + str(login).strip().lower()


# Shared limits: one budget across every endpoint they decorate, so a client
# cannot multiply its allowance by spreading requests over endpoints.
_api_shared = limiter.shared_limit(_api_limit, scope="api", key_func=api_client_key)
# Only attempts count: GET of the web login page is free.
_auth_by_address = limiter.shared_limit(_auth_limit, scope="auth-ip", key_func=get_remote_address,
                                        methods=["POST"])
_auth_by_account = limiter.shared_limit(_auth_limit, scope="auth-account", key_func=account_key,
                                        methods=["POST"],
                                        exempt_when=lambda: account_key() == "account:")


def limit_api_blueprint(blueprint) -> None:
    """10 requests/s per client over all the API blueprints together."""
    _api_shared(blueprint)


def auth_limits(func):
    """5/min per address and 5/min per account, across every sign-in endpoint (API and pages)."""
    return _auth_by_account(_auth_by_address(func))
