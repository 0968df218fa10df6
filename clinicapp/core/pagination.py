"""Paging of API lists: document 001's `limit`/`offset` with the total in X-Total-Count."""
from __future__ import annotations

import marshmallow as ma

from ..extensions import db

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


class LimitOffsetSchema(ma.Schema):
    """`limit` (1–100, default 20) and `offset` (≥ 0); anything else is a 400."""

    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, strict=False,
                              validate=ma.validate.Range(min=1, max=MAX_LIMIT),
                              metadata={"description": f"Сколько записей вернуть, 1–{MAX_LIMIT}"})
    # PostgreSQL's OFFSET is a bigint: anything larger is refused, not a 500.
    offset = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=2**63 - 1),
                               metadata={"description": "Сколько записей пропустить"})


def limit_offset(statement, limit: int, offset: int) -> tuple[list, int]:
    """Rows of `statement` for one page, and the total count of the whole result."""
    total = db.session.scalar(db.select(db.func.count()).select_from(
        statement.order_by(None).subquery()))
    rows = list(db.session.scalars(statement.limit(limit).offset(offset)))
    return rows, total


def total_header(total: int) -> dict:
    return {"X-Total-Count": str(total)}
