"""Opening hours of a branch: `{"mon": [["09:00", "21:00"]], …}` in the branch's local time.

A day may have several intervals (a lunch break); a day that is missing or
empty is a day off. Intervals are "HH:MM"; "24:00" may end a day. Weekdays are named
by Babel (CLDR) in the reader's language.
"""
from __future__ import annotations

import re

from flask_babel import LazyString, ngettext, pgettext
from flask_babel import gettext as _

from .clock import reader_locale

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday_name(index: int) -> str:
    """Monday (0) … Sunday (6) in the reader's language, capitalised as a label."""
    name = reader_locale().days["stand-alone"]["wide"][index]
    return name[:1].upper() + name[1:]


# (key, its name): the name is worked out when shown, in the language of that page.
DAYS = tuple((key, LazyString(weekday_name, index)) for index, key in enumerate(DAY_KEYS))
TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$", re.ASCII)
# What people type between the two ends of an interval: -, – or —.
DASHES = re.compile(r"\s*[-–—]\s*")
MAX_INTERVALS = 4


def _minutes(text: str, *, end: bool) -> int:
    match = TIME.match(text.strip())
    if not match:
        raise ValueError(_("«%(text)s» — не время в формате ЧЧ:ММ", text=text.strip()))
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        raise ValueError(_("«%(text)s» — нет такого времени", text=text.strip()))
    return hours * 60 + minutes


def _format(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_intervals(value) -> list[list[str]]:
    """One day's intervals from "09:00–14:00, 15:00–20:00" or a list of pairs.

    Returns them sorted as [["09:00", "14:00"], …]; raises ValueError (Russian)
    for a malformed time, an end not after its start, or overlapping intervals.
    """
    if value is None:
        return []
    if isinstance(value, str):
        parts = [p for p in re.split(r"[,;\n]", value) if p.strip()]
        pairs = []
        for part in parts:
            ends = DASHES.split(part.strip())
            if len(ends) != 2:
                raise ValueError(_("«%(text)s» — укажите интервал как 09:00–18:00",
                                   text=part.strip()))
            pairs.append(ends)
    elif isinstance(value, (list, tuple)):
        pairs = list(value)
    else:
        raise ValueError(_("Ожидается список интервалов"))
    if len(pairs) > MAX_INTERVALS:
        raise ValueError(ngettext("Не больше %(num)d интервала в день",
                                  "Не больше %(num)d интервалов в день", MAX_INTERVALS))
    spans = []
    for pair in pairs:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(
                isinstance(p, str) for p in pair):
            raise ValueError(_("Интервал — это пара «начало, конец» в формате ЧЧ:ММ"))
        start, finish = _minutes(pair[0], end=False), _minutes(pair[1], end=True)
        if finish <= start:
            raise ValueError(_("%(start)s–%(end)s: конец должен быть позже начала",
                               start=_format(start), end=_format(finish)))
        spans.append((start, finish))
    spans.sort()
    for (_s1, e1), (s2, _e2) in zip(spans, spans[1:]):
        if s2 < e1:
            raise ValueError(_("Интервалы пересекаются"))
    return [[_format(s), _format(e)] for s, e in spans]


def normalize_hours(value) -> tuple[dict, dict[str, str]]:
    """The whole week cleaned, and errors by day key (`{"mon": "сообщение"}`).

    Unknown day keys are errors too; days off are left out of the result.
    """
    if value is None:
        return {}, {}
    if not isinstance(value, dict):
        return {}, {"": _("Ожидается расписание по дням недели")}
    hours: dict = {}
    errors: dict[str, str] = {}
    for key, day_value in value.items():
        if key not in DAY_KEYS:
            errors[str(key)] = _("Неизвестный день недели (ожидаются mon … sun)")
            continue
        try:
            intervals = parse_intervals(day_value)
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        if intervals:
            hours[key] = intervals
    ordered = {key: hours[key] for key in DAY_KEYS if key in hours}
    return ordered, errors


def day_text(intervals) -> str:
    """"09:00–14:00, 15:00–20:00" for one day; "" for a day off."""
    return ", ".join(f"{start}–{end}" for start, end in intervals or [])


def week_rows(hours: dict | None) -> list[tuple[str, str]]:
    """(day name, "09:00–21:00" or «выходной») for each day, Monday first."""
    hours = hours or {}
    return [(str(label), day_text(hours.get(key)) or pgettext("opening hours", "выходной")) for key, label in DAYS]
