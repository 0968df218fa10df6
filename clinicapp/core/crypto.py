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


def encrypted_columns(metadata) -> list[tuple[str, str]]:
    """(table, column) of every EncryptedText column in the schema."""
    return [(table.name, column.name) for table in metadata.sorted_tables
            for column in table.columns if isinstance(column.type, EncryptedText)]


def reencrypt_all(connection, metadata) -> int:
    """Re-encrypt every stored value with the first key of FERNET_KEYS.

    Put the new key first, keep the old ones after it, run this, then drop the
    old keys. Works row by row inside the caller's transaction; returns the
    number of values rewritten.
    """
    from sqlalchemy import column, select, table, update

    count = 0
    for table_name, column_name in encrypted_columns(metadata):
        rows = table(table_name, column("id"), column(column_name))
        stored = connection.execute(select(rows.c.id, rows.c[column_name])
                                    .where(rows.c[column_name].is_not(None))).all()
        for row_id, token in stored:
            connection.execute(update(rows).where(rows.c.id == row_id)
                               .values({column_name: rotate(token)}))
            count += 1
    return count
