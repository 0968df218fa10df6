"""URL converters: ids in URLs stay within PostgreSQL's integer range."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are PostgreSQL integers


class IdConverter(IntegerConverter):
    """`<int:…>` with an upper bound: /things/99999999999 is a 404, never a 500."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
