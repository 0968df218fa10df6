"""Search text taken literally: `%`, `_` and `\\` in what people type are not wildcards."""
from __future__ import annotations

ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """An ILIKE pattern matching `text` anywhere; use with `escape=ESCAPE`."""
    escaped = (text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%")
               .replace("_", ESCAPE + "_"))
    return f"%{escaped}%"


def prefix_pattern(text: str) -> str:
    return contains_pattern(text)[1:]
