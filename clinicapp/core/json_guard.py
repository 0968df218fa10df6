"""JSON parsing that refuses what would crash the code behind it, naming the field.

Refused, as HostileJSON (a ValueError, so Flask's `get_json` answers 400 or None):
- nesting deeper than MAX_DEPTH: the parser recurses once per level, and at
  ~1 000 levels raises RecursionError, which nobody expects from a parse;
- a lone UTF-16 surrogate in a string or key (`"\\ud800"`): psycopg2, Fernet,
  PyJWT and JSONB cannot encode it; a NUL: PostgreSQL cannot store it;
- a number written with more than MAX_NUMBER_CHARS characters (Python's int()
  refuses 4 300 digits with a ValueError deep inside webargs), one that
  overflows a float (1e400), and NaN / Infinity (not JSON at all).

Malformed JSON raises what json.loads raises. A path is spelled `a.b[0].c`;
"body" is the document itself.

Costs stay near the plain parse on big bodies (a 16 MB document: ~2 s instead
of 0.8 s): the depth is counted on the text with regular expressions and C
iterators, and the slower checks (number hooks, the walk) run only when a cheap
search over the text says they might find something.
"""
from __future__ import annotations

import json
import math
import re
from itertools import accumulate

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 32  # our deepest body has 4 levels
MAX_NUMBER_CHARS = 100  # no field of ours takes more
MAX_REPORTED = 20  # fields named in one answer

NUL = "Недопустимый символ (NUL) в данных"
SURROGATE = "Недопустимый символ: одиночный суррогат UTF-16 (\\ud800–\\udfff)"
LONG_NUMBER = f"Число длиннее {MAX_NUMBER_CHARS} знаков"
OUT_OF_RANGE = "Число вне допустимого диапазона"
NOT_A_NUMBER = "NaN и Infinity не допускаются в JSON"
TOO_DEEP = f"JSON вложен глубже {MAX_DEPTH} уровней"

_SURROGATES = re.compile("[\ud800-\udfff]")
# What is outside the strings: escapes go first (so every remaining quote
# delimits a string), then the strings. Each pattern is one linear pass.
_ESCAPES = re.compile(r"\\.", re.DOTALL)
_STRINGS = re.compile(r'"[^"]*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
# The only ways to a refused number: a run of number characters longer than
# allowed (found as a run of "x" after translating them), or a 3-digit exponent.
_NUMBER_CHARS = str.maketrans(dict.fromkeys("0123456789+-.eE", "x"))
_BIG_EXPONENT = re.compile(r"[eE][-+]?\d{3}")
# Escapes that may decode to a NUL or a surrogate.
_RISKY_ESCAPES = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


class HostileJSON(ValueError):
    """A document refused before use; `problems` maps a field path to its message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(summary(problems))
        self.problems = problems


def summary(problems: dict[str, str]) -> str:
    """One line naming every refused field, for the answer's `detail`."""
    return "Неверные данные — " + ", ".join(
        f"{field}: {message}" for field, message in problems.items())


class _Refused:
    """What the parser's hooks put in place of a refused number, found by the walk."""

    def __init__(self, message: str) -> None:
        self.message = message


def _number(convert):
    def parse(literal: str):
        if len(literal) > MAX_NUMBER_CHARS:
            return _Refused(LONG_NUMBER)
        value = convert(literal)
        if isinstance(value, float) and not math.isfinite(value):
            return _Refused(OUT_OF_RANGE)
        return value

    return parse


_NUMBER_HOOKS = {"parse_int": _number(int), "parse_float": _number(float)}


def _not_a_number(_name: str) -> _Refused:
    return _Refused(NOT_A_NUMBER)


def loads(data: str | bytes, **kwargs):
    """Parse a JSON document like json.loads (bytes decoded the same way), or raise
    HostileJSON for the kinds in the module doc."""
    text = data if isinstance(data, str) else data.decode(
        json.detect_encoding(data), "surrogatepass")
    bare = _STRINGS.sub("", _ESCAPES.sub("", text))
    if _depth(bare) > MAX_DEPTH:
        raise HostileJSON({"body": TOO_DEEP})
    long_run = "x" * (MAX_NUMBER_CHARS + 1) in bare.translate(_NUMBER_CHARS)
    hooks = _NUMBER_HOOKS if long_run or _BIG_EXPONENT.search(bare) else {}
    value = json.loads(text, parse_constant=_not_a_number, **hooks, **kwargs)
    if (hooks or "NaN" in bare or "Infinity" in bare or _RISKY_ESCAPES.search(text)
            or _SURROGATES.search(text)):
        problems = _problems(value)
        if problems:
            raise HostileJSON(problems)
    return value


def _depth(bare: str) -> int:
    """The deepest nesting of a document without its strings (an upper bound when small)."""
    brackets = _NOT_BRACKETS.sub("", bare)
    if len(brackets) <= MAX_DEPTH:
        return len(brackets)
    return max(accumulate(map(_STEP.__getitem__, brackets)))


def _problems(value) -> dict[str, str]:
    """Refused strings and numbers of a parsed document, by path.

    An explicit stack, so a deep (if bounded) document costs no recursion; a path
    is kept as (parent, key) links and spelled out only for a problem.
    """
    problems: dict[str, str] = {}
    stack: list[tuple[tuple | None, object]] = [(None, value)]
    while stack and len(problems) < MAX_REPORTED:
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if (message := text_problem(key)) is not None:
                    problems[_spelled((path, key))] = message
                stack.append(((path, key), child))
        elif isinstance(item, list):
            stack.extend(((path, index), child) for index, child in enumerate(item))
        elif isinstance(item, _Refused):
            problems[_spelled(path)] = item.message
        elif isinstance(item, str) and (message := text_problem(item)) is not None:
            problems[_spelled(path)] = message
    return problems


def text_problem(text: str) -> str | None:
    """Why this text cannot be stored (NUL, lone surrogate), or None."""
    if "\x00" in text:
        return NUL
    if _SURROGATES.search(text):
        return SURROGATE
    return None


def _spelled(path: tuple | None) -> str:
    """(((None, "a"), 0), "b") -> "a[0].b"; the document itself and a list at the top
    start with "body"."""
    parts: list[str] = []
    while path is not None:
        path, key = path
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    spelled = "".join(reversed(parts)).removeprefix(".")
    return printable("body" + spelled if spelled[:1] in ("", "[") else spelled)


_UNPRINTABLE = re.compile("[\x00-\x1f\ud800-\udfff]")


def printable(name: str) -> str:
    """A field name fit for an answer: NULs and surrogates shown as escapes."""
    return _UNPRINTABLE.sub(lambda match: match.group().encode("unicode_escape").decode(), name)


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, parsing through `loads`: so `request.get_json()` anywhere
    (a rate limiter's key, `force=True` on another content type) meets a ValueError,
    never a RecursionError."""

    def loads(self, s: str | bytes, **kwargs):
        return loads(s, **kwargs)
