"""Paging: document 001's `limit`/`offset` with the total in X-Total-Count, and page numbers.

API lists: `limit` 1–100 (more is served as 100, 0 or less is a 400), `offset` ≥ 0.
Pages: `?page=` of a list, always a number the database can take (`page_number`).
"""
from __future__ import annotations

from dataclasses import dataclass

import marshmallow as ma

from ..extensions import db

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
# PostgreSQL's OFFSET is a bigint: anything larger is refused, not a 500.
MAX_OFFSET = 2**63 - 1
# The last `?page=` of a page's list: far beyond any real list, and its OFFSET fits.
MAX_PAGE = 10_000
INTEGER_MESSAGES = {"invalid": "Ожидается целое число", "required": "Обязательное поле",
                    "null": "Поле не может быть пустым", "too_large": "Слишком большое число"}


class Limit(ma.fields.Integer):
    """`limit`: at least 1; more than MAX_LIMIT is served as MAX_LIMIT (issue 3: "capped")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", INTEGER_MESSAGES)
        kwargs.setdefault("validate", ma.validate.Range(min=1, error="Не меньше {min}"))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        # Validators run after this: 0 and negatives stay a 400 (Range(min=1)).
        return min(number, MAX_LIMIT)


def limit_field(default: int | None = DEFAULT_LIMIT, description: str | None = None) -> Limit:
    """The `limit` of a list; `default` None means "everything" when it is left out."""
    if description is None:
        description = (f"Сколько записей вернуть, 1–{MAX_LIMIT} (больше — вернётся "
                       f"{MAX_LIMIT}); по умолчанию {default}")
    return Limit(load_default=default, metadata={"description": description})


class LimitOffsetSchema(ma.Schema):
    """`limit` (1–100, more is capped at 100, default 20) and `offset` (0 … 2^63−1)."""

    limit = limit_field()
    offset = ma.fields.Integer(
        load_default=0, error_messages=INTEGER_MESSAGES,
        validate=ma.validate.Range(min=0, max=MAX_OFFSET, error="Допустимо от {min} до {max}"),
        metadata={"description": "Сколько записей пропустить"})


def limit_offset(statement, limit: int | None, offset: int) -> tuple[list, int]:
    """Rows of `statement` for one page (all of them when `limit` is None), and the total."""
    total = db.session.scalar(db.select(db.func.count()).select_from(
        statement.order_by(None).subquery()))
    rows = list(db.session.scalars(statement.limit(limit).offset(offset)))
    return rows, total


# How list endpoints document the header that total_header() sets.
TOTAL_COUNT_DOC = {"X-Total-Count": {
    "description": "Сколько всего записей подходит под фильтры (без учёта limit и offset)",
    "schema": {"type": "integer", "minimum": 0}}}


def total_header(total: int) -> dict:
    return {"X-Total-Count": str(total)}


def page_number(raw, max_page: int = MAX_PAGE) -> int:
    """`?page=` of a page as a number from 1 to `max_page`: junk is 1, too far is the last."""
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), max(max_page, 1))


@dataclass
class Page:
    """One page of a page's list; `capped` when there are more matches than were counted."""

    items: list
    page: int
    per_page: int
    total: int
    capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
