"""Bearer tokens of an OpenID issuer (document 004's `dev.clobus.uz` sign-in).

With OIDC_ISSUER and OIDC_AUDIENCE set, the consultations API accepts besides our own
JWT an RS256/ES256 token of that issuer: signature by a key of its JWKS (found through
`{issuer}/.well-known/openid-configuration`), `iss`, `aud`, `exp` and `sub` required.
The discovery document and the key set are cached in the process: once fetched, tokens
are checked without the issuer (if the issuer is unreachable the last key set is kept).
Nobody can make us hammer the issuer: a key id not seen yet refreshes the key set at
most once per REFRESH_COOLDOWN seconds (PyJWT's cooldown, under its lock), a failed
key-set fetch is not retried for REFRESH_COOLDOWN seconds either, and a failed
discovery for DISCOVERY_RETRY seconds (tokens are refused meanwhile, 401).
"""
from __future__ import annotations

import threading
import time

import jwt
import requests
from flask import current_app
from jwt import PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError

ALGORITHMS = ["RS256", "ES256"]
DISCOVERY = "/.well-known/openid-configuration"
REFRESH_COOLDOWN = 30  # seconds between two key-set fetches after a failure or unknown kid
DISCOVERY_RETRY = 30  # seconds a failed discovery is remembered


class InvalidToken(Exception):
    """Not a valid token of the configured issuer (or none is configured)."""


class _CachedJWKClient(PyJWKClient):
    """PyJWKClient that keeps answering from the last key set it fetched when the issuer
    is unreachable, and does not retry a failed fetch for REFRESH_COOLDOWN seconds."""

    def __init__(self, uri: str, timeout: float):
        super().__init__(uri, cache_jwk_set=True, lifespan=3600, timeout=timeout,
                         cooldown_duration=REFRESH_COOLDOWN)
        self._last_good = None
        self._failed_at: float | None = None  # monotonic time of the last failed fetch
        self._fetch_lock = threading.Lock()

    def fetch_data(self):
        with self._fetch_lock:
            if self._failed_at is not None and \
                    time.monotonic() - self._failed_at < REFRESH_COOLDOWN:
                if self._last_good is None:
                    raise PyJWKClientConnectionError("the key set failed a moment ago")
                return self._last_good
            try:
                self._last_good = super().fetch_data()
                self._failed_at = None
            except PyJWKClientConnectionError:
                self._failed_at = time.monotonic()
                if self._last_good is None:
                    raise
            return self._last_good


_lock = threading.Lock()
_clients: dict[str, _CachedJWKClient] = {}  # issuer -> its key client
_failed_discovery: dict[str, float] = {}  # issuer -> monotonic time its discovery failed
_discovery_lock = threading.Lock()  # one discovery fetch at a time


def _jwk_client(issuer: str, timeout: float) -> _CachedJWKClient:
    with _lock:
        cached = _clients.get(issuer)
    if cached is not None:
        return cached
    with _discovery_lock:  # concurrent first requests wait for one fetch
        with _lock:
            cached = _clients.get(issuer)
            failed_at = _failed_discovery.get(issuer)
        if cached is not None:
            return cached
        if failed_at is not None and time.monotonic() - failed_at < DISCOVERY_RETRY:
            raise InvalidToken("the issuer's discovery document failed a moment ago")
        try:
            discovery = requests.get(issuer + DISCOVERY, timeout=timeout)
            discovery.raise_for_status()
            jwks_uri = discovery.json()["jwks_uri"]
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            with _lock:
                _failed_discovery[issuer] = time.monotonic()
            raise InvalidToken("the issuer's discovery document is unavailable") from exc
        with _lock:
            _failed_discovery.pop(issuer, None)
            return _clients.setdefault(issuer, _CachedJWKClient(jwks_uri, timeout))


def forget_cached_issuers() -> None:
    """Drop the cached discovery documents, key sets and failures (tests; a changed
    issuer)."""
    with _lock:
        _clients.clear()
        _failed_discovery.clear()


def subject_of(token: str) -> str:
    """`iss|sub` of a valid token of the configured issuer; InvalidToken otherwise."""
    config = current_app.config
    issuer, audience = config.get("OIDC_ISSUER"), config.get("OIDC_AUDIENCE")
    if not issuer or not audience:
        raise InvalidToken("no OpenID issuer configured")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed token") from exc
    if header.get("alg") not in ALGORITHMS:
        raise InvalidToken("unexpected algorithm")
    try:
        key = _jwk_client(issuer, config["INTEGRATIONS_TIMEOUT"]).get_signing_key_from_jwt(token)
        claims = jwt.decode(token, key.key, algorithms=ALGORITHMS, audience=audience,
                            issuer=issuer, options={"require": ["exp", "iss", "aud", "sub"]})
    except jwt.PyJWTError as exc:
        raise InvalidToken(type(exc).__name__) from exc
    return f"{claims['iss']}|{claims['sub']}"
