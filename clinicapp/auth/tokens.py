"""App sign-in with JWT: access tokens, rotating refresh tokens, revocation.

Every sign-in starts a token family. A refresh token may be used once: using
it yields a new pair in the same family. Presenting an already used refresh
token means it leaked, so the whole family (and its access tokens) is revoked.
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import partial

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from flask_jwt_extended.config import config as jwt_config
from jwt import MissingRequiredClaimError, PyJWTError

from ..audit.services import record
from ..core.models import utcnow
from ..extensions import db, jwt
from .errors import TokenInvalid
from .models import RefreshToken, TokenFamily, User

TOKEN_INVALID = "Токен недействителен или истёк"


def _lifetimes() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (timedelta(minutes=config["JWT_ACCESS_MINUTES"]),
            timedelta(days=config["JWT_REFRESH_DAYS"]))


def _issue(user: User, family: TokenFamily) -> dict:
    access_ttl, refresh_ttl = _lifetimes()
    claims = {"fid": str(family.id), "role": user.role}
    access = create_access_token(identity=str(user.id), additional_claims=claims,
                                 expires_delta=access_ttl)
    refresh = create_refresh_token(identity=str(user.id), additional_claims={"fid": str(family.id)},
                                   expires_delta=refresh_ttl)
    jti = decode_token(refresh)["jti"]
    db.session.add(RefreshToken(jti=jti, family_id=family.id, expires_at=utcnow() + refresh_ttl))
    db.session.flush()
    return {
        "access": access,
        "refresh": refresh,
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": int(access_ttl.total_seconds()),
    }


def issue_tokens(user: User) -> dict:
    """A new family and its first access/refresh pair."""
    family = TokenFamily(id=uuid.uuid4(), user_id=user.id)
    db.session.add(family)
    db.session.flush()
    return _issue(user, family)


def _decode_refresh(token: str) -> dict:
    try:
        claims = decode_token(token or "")
    except PyJWTError as exc:
        raise TokenInvalid(TOKEN_INVALID) from exc
    if claims.get("type") != "refresh":
        raise TokenInvalid("Нужен refresh-токен")
    return claims


def rotate(refresh_token: str) -> tuple[User, dict]:
    """Spend a refresh token; return its user and a fresh pair.

    Raises TokenInvalid (unknown, expired, revoked, reused — a reuse's error
    carries the revocation of the family as its bookkeeping, see auth.errors).
    """
    claims = _decode_refresh(refresh_token)
    row = db.session.execute(
        db.select(RefreshToken).where(RefreshToken.jti == claims["jti"]).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise TokenInvalid(TOKEN_INVALID)
    family = db.session.get(TokenFamily, row.family_id)
    user = db.session.get(User, family.user_id)
    if family.revoked_at is not None or not user.is_active:
        raise TokenInvalid(TOKEN_INVALID)
    if row.used_at is not None:
        raise TokenInvalid("Refresh-токен уже использован; все сеансы этого входа завершены",
                           code="token_reused").with_bookkeeping(
            partial(_revoke_after_reuse, family.id, user.id))
    row.used_at = utcnow()
    return user, _issue(user, family)


def _revoke_after_reuse(family_id: uuid.UUID, user_id: int) -> None:
    """Bookkeeping of a reused refresh token: the whole family is revoked."""
    family = db.session.get(TokenFamily, family_id, with_for_update=True,
                            populate_existing=True)
    if family is not None and family.revoked_at is None:
        revoke_family(family, "reuse")
        user = db.session.get(User, user_id)
        record(user, "auth.refresh_reuse", user, {"family": str(family_id)})


def revoke_family(family: TokenFamily, reason: str) -> None:
    if family.revoked_at is None:
        family.revoked_at = utcnow()
        family.revoke_reason = reason


def revoke_by_claims(claims: dict) -> None:
    """Log out: revoke the family of the presented token."""
    family = db.session.get(TokenFamily, uuid.UUID(claims["fid"]))
    if family is not None:
        revoke_family(family, "logout")


def user_from_access_claims(claims: dict) -> User | None:
    """The active user behind live (non-revoked) access claims, else None."""
    try:
        family_id = uuid.UUID(claims.get("fid", ""))
        user_id = int(claims["sub"])
    except (KeyError, ValueError):
        return None
    row = db.session.execute(
        db.select(User).join(TokenFamily, TokenFamily.user_id == User.id)
        .where(User.id == user_id, TokenFamily.id == family_id,
               TokenFamily.revoked_at.is_(None), User.is_active)
    ).scalar_one_or_none()
    return row


def decode_access(token: str) -> User | None:
    """For sockets: a user from a raw access token string, or None."""
    if not isinstance(token, str):
        return None
    try:
        claims = decode_token(token)
    except (PyJWTError, ValueError):  # ValueError: a lone surrogate cannot even be encoded
        return None
    if claims.get("type") != "access":
        return None
    return user_from_access_claims(claims)


@jwt.decode_key_loader
def _key_for_expiring_tokens_only(_header, unverified_claims):
    """The key for every token we read (API, refresh, Socket.IO, raw WebSocket, rate limits).

    PyJWT checks `exp` only when a token has one, and flask-jwt-extended does not
    ask it to require one: a token without `exp` (a script's mistake, or a
    forgery with a leaked key) would never expire. No key reads it, so it is
    refused wherever tokens are decoded, like an expired one.
    """
    if "exp" not in unverified_claims:
        raise MissingRequiredClaimError("exp")
    return jwt_config.decode_key


@jwt.user_lookup_loader
def _load_user(_header, claims):
    return user_from_access_claims(claims)


def expires_at(claims: dict) -> datetime:
    return datetime.fromtimestamp(claims["exp"], tz=UTC)
