"""Encryption at rest for sensitive columns (Fernet, with key rotation).

FERNET_KEYS is a list: the first key encrypts, every key may decrypt, so a new
key can be put first and old rows re-encrypted at leisure (`rotate`).
"""
from __future__ import annotations

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


def _fernet() -> MultiFernet:
    keys = current_app.config["FERNET_KEYS"]
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt a stored value with the current first key."""
    return _fernet().rotate(token.encode()).decode()


class EncryptedText(TypeDecorator):
    """A text column stored encrypted; Python sees the plain value."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)
