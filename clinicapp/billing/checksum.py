"""The checksum of the bank's callbacks (symmetric key): HMAC-SHA256 over the parameters.

The parameters except `checksum`, sorted by name, are joined as `name;value;` (a trailing
`;` after the last value too) and signed with the key from SBER_CALLBACK_KEY; the digest
is hex in upper case. The sandbox signs its callbacks with the same function, and the
callback endpoint verifies with `verify`.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

FIELD = "checksum"


def _message(params: Mapping[str, str]) -> bytes:
    return "".join(f"{name};{params[name]};" for name in sorted(params)
                   if name != FIELD).encode("utf-8")


def sign(params: Mapping[str, str], key: str) -> str:
    """The checksum of `params` (their `checksum`, if any, left out) under `key`."""
    return hmac.new(key.encode("utf-8"), _message(params), hashlib.sha256).hexdigest().upper()


def verify(params: Mapping[str, str], key: str) -> bool:
    """Whether `params["checksum"]` is the checksum of the other parameters.

    Constant-time; a missing or empty checksum (or an empty key) is never valid. Hex
    letters of either case are accepted, as the bank's documentation shows both.
    """
    given = params.get(FIELD) or ""
    if not given or not key:
        return False
    return hmac.compare_digest(given.upper().encode("utf-8", "replace"),
                               sign(params, key).encode("ascii"))
