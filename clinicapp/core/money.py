"""Money as people write it: «1 500,00» in Russian, «1,500.00» in English, Decimal inside.

Amounts stay `Decimal` (NUMERIC in PostgreSQL) everywhere; this module only turns them
into text in the reader's locale (`format_money`, the `|money` template filter) and reads
what people type back (`parse_amount`). Rules of a particular amount (not negative, two
decimals, a maximum) belong to the feature that owns it (catalog.fields for prices).
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import get_decimal_symbol
from flask_babel import format_decimal, get_locale
from jinja2 import pass_context

MONEY_FORMAT = "#,##0.00"
# What people put between thousands: a space of any kind (the no-break ones come from
# copying a formatted price) or an apostrophe (Swiss style, some spreadsheets).
GROUP_SPACES = frozenset(" \u00a0\u2007\u2009\u202f'’")
MINUS_SIGNS = ("\u2212", "\u2013")
_SHAPE = re.compile(r"[+-]?[\d.,]*\d[\d.,]*")
_GROUPED = re.compile(r"\d{1,3}(?:X\d{3})*")


class AmountError(ValueError):
    """Text that is not an amount of money."""


class AmbiguousAmount(AmountError):
    """One separator followed by exactly three digits: «1,500» is fifteen hundred to an
    English reader and one and a half to a Russian one. Both readings are given."""

    def __init__(self, text: str, whole: str, fraction: str) -> None:
        super().__init__(text)
        self.text, self.whole, self.fraction = text, whole, fraction


def format_money(value, currency: str | None = None) -> str:
    """1500 → «1 500,00» (no-break space, decimal comma) in Russian, «1,500.00» in English:
    the current locale's digits, always two decimals; "" for None. With an ISO 4217
    `currency` its code follows after a no-break space: «1 500,00 RUB»."""
    if value is None:
        return ""
    text = format_decimal(Decimal(value), format=MONEY_FORMAT)
    return f"{text}\u00a0{currency}" if currency else text


def format_percent(value) -> str:
    """10 → «10 %», 12.5 → «12,5 %» (Russian) or «12.5 %» (English): no trailing zeros."""
    if value is None:
        return ""
    return f"{format_decimal(Decimal(value), format='#,##0.##')}\u00a0%"


def parse_amount(text: str) -> Decimal:
    """What a person typed as an amount, as a Decimal (not rounded, not range-checked).

    Accepts «1500», «1 500,5», «1500.50», «1,500.00», «1.500,00», «1 500», «,5», a sign.
    Spaces (and apostrophes) group thousands; with both a comma and a dot the last one
    is the decimal point and the other groups thousands; one kind repeated («1.500.000»)
    groups thousands; a single comma or dot is the decimal point. Raises AmountError,
    or AmbiguousAmount for «1,500» / «1.500» (a single separator and three digits).
    """
    cleaned = "".join(ch for ch in text.strip() if ch not in GROUP_SPACES)
    for minus in MINUS_SIGNS:
        cleaned = cleaned.replace(minus, "-")
    if not _SHAPE.fullmatch(cleaned):
        raise AmountError(text)
    sign = cleaned[0] if cleaned[0] in "+-" else ""
    body = cleaned[len(sign):]
    commas, dots = body.count(","), body.count(".")
    if commas and dots:
        point = "," if body.rfind(",") > body.rfind(".") else "."
        group = "." if point == "," else ","
        if body.count(point) > 1:
            raise AmountError(text)
        whole, fraction = body.split(point)
        whole = _ungrouped(whole, group, text)
    elif commas + dots == 1:
        point = "," if commas else "."
        whole, fraction = body.split(point)
        # Spaces already group the thousands («1 500,555»): the separator is the point.
        grouped_by_spaces = any(ch in GROUP_SPACES for ch in text.strip())
        if len(fraction) == 3 and whole.lstrip("0") and not grouped_by_spaces:
            raise AmbiguousAmount(text.strip(), whole + fraction, _decimal_reading(whole,
                                                                                fraction))
    elif commas + dots > 1:
        whole, fraction = _ungrouped(body, "," if commas else ".", text), ""
    else:
        whole, fraction = body, ""
    if not (whole or fraction) or (fraction == "" and body[-1:] in ",."):
        raise AmountError(text)
    try:
        return Decimal(f"{sign}{whole or '0'}.{fraction or '0'}")
    except InvalidOperation as exc:  # pragma: no cover - the shape was checked above
        raise AmountError(text) from exc


def _decimal_reading(whole: str, fraction: str) -> str:
    """«1,505» read with a decimal point, to kopecks (half up), written as the reader writes
    decimals: «1,51» in Russian, «1.51» in English."""
    value = Decimal(f"{whole}.{fraction}").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    units, cents = f"{value:.2f}".split(".")
    return f"{units}{get_decimal_symbol(get_locale())}{cents}"


def _ungrouped(digits: str, group: str, text: str) -> str:
    """«1.500.000» with group "." → «1500000»; groups of other sizes are not an amount."""
    if not _GROUPED.fullmatch(digits.replace(group, "X")):
        raise AmountError(text)
    return digits.replace(group, "")


def init_app(app) -> None:
    """Register the `|money` (format_money: `{{ total|money(currency) }}`) and `|percent`
    template filters."""
    app.add_template_filter(_per_render(format_money), "money")
    app.add_template_filter(_per_render(format_percent), "percent")


def _per_render(format_function):
    """The filter as Jinja must call it on every render: a context filter is never folded
    into the compiled template, so `{{ 1500|money }}` follows the reader's language instead
    of keeping the language of whoever rendered the template first."""

    @pass_context
    def filter_(_context, value, *args):
        return format_function(value, *args)

    return filter_
