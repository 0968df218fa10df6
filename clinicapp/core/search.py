"""Search text taken literally: `%`, `_` and `\\` in what people type are not wildcards."""
from __future__ import annotations

ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """An ILIKE pattern matching `text` anywhere; use with `escape=ESCAPE`."""
    escaped = (text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%")
               .replace("_", ESCAPE + "_"))
    return f"%{escaped}%"


def regex_literal(text: str) -> str:
    """`text` as a PostgreSQL regular expression matching it literally.

    There a backslash before any character that is not a letter or digit stands for
    that character itself.
    """
    return "".join(ch if ch.isalnum() else "\\" + ch for ch in text)
