"""URL converters: ids in URLs stay within PostgreSQL's integer range."""
from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from .errors import field_error

MAX_ID = 2**31 - 1  # ids are PostgreSQL integers


class IdConverter(IntegerConverter):
    """`<int:…>` with an upper bound: /things/99999999999 is a 404, never a 500."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_id(raw: str | None, field: str) -> int | None:
    """An id from a query string or form: None when empty.

    Only ASCII digits within PostgreSQL's integer range (str.isdigit() would let
    "²" through to int()); otherwise ValidationFailed naming `field`.
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_ID:
        raise field_error(field, _("Ожидается id (целое положительное число)"))
    return int(raw)
