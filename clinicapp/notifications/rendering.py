"""A notification written for its reader: the template's blocks rendered in one language.

Each notification is one template, `templates/notifications/<name>.txt`, with three blocks:
`subject` (one line), `body` (the e-mail's text) and `sms` (a short text). They are
rendered under `force_locale(language)`, so `_()` speaks the reader's language, and with
date helpers bound to that language: the worker later sends the finished text and needs
no request, no locale and no database.

Helpers every template gets (moments are aware datetimes, zones IANA names):
`long_date(moment, zone)` «четверг, 15 мая 2026 г.» / «Thursday, May 15, 2026»,
`short_date(moment, zone)` «15 мая» / «May 15» (a short month where the language has
one: «8 дек.»), `day_month(moment, zone)` «8 декабря» / «December 8», `clock_time(moment, zone)` «14:05»,
`zone_name(zone, moment)` «Москва, UTC+3» / «Moscow, UTC+3».
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, get_timezone_location
from flask import current_app
from flask_babel import force_locale

from ..org.clock import utc_offset, zone

BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str


def render(name: str, language: str, context: dict) -> Rendered:
    """Subject, text, HTML and SMS of the notification `name` in `language`."""
    locale = Locale.parse(language)
    with force_locale(language):
        template = current_app.jinja_env.get_template(f"notifications/{name}.txt")
        values = template.new_context({**date_helpers(locale), **context})
        # The whole template once: its top-level {% set %}s (labels shared by the
        # blocks) land in the context the blocks are then rendered with.
        "".join(template.root_render_func(values))
        subject = " ".join(_block(template, "subject", values).split())
        text = _tidy(_block(template, "body", values))
        sms = " ".join(_block(template, "sms", values).split())
        html = current_app.jinja_env.get_template("notifications/_email.html").render(
            language=language, subject=subject, paragraphs=_paragraphs(text))
    return Rendered(subject=subject, text=text, html=html, sms=sms)


def _block(template, block: str, values) -> str:
    return "".join(template.blocks[block](values))


def _tidy(text: str) -> str:
    """Template tags leave stray spaces and empty lines: keep at most one blank line."""
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return BLANK_LINES.sub("\n\n", lines) + "\n"


def _paragraphs(text: str) -> list[list[str]]:
    return [part.splitlines() for part in text.strip().split("\n\n") if part.strip()]


def date_helpers(locale: Locale) -> dict:
    """The template helpers, bound to the reader's language (see the module's docstring)."""

    def local(moment: datetime, zone_name: str) -> datetime:
        return moment.astimezone(zone(zone_name))

    def long_date(moment: datetime, zone_name: str) -> str:
        return format_date(local(moment, zone_name).date(), "full", locale=locale)

    def short_date(moment: datetime, zone_name: str) -> str:
        return format_skeleton("MMMd", local(moment, zone_name), locale=locale)

    def day_month(moment: datetime, zone_name: str) -> str:
        return format_skeleton("MMMMd", local(moment, zone_name), locale=locale)

    def clock_time(moment: datetime, zone_name: str) -> str:
        return format_skeleton("Hm", local(moment, zone_name), locale=locale)

    def zone_name(name: str, moment: datetime | None = None) -> str:
        where = zone(name)
        try:
            place = get_timezone_location(ZoneInfo(where.key), locale=locale, return_city=True)
        except LookupError:
            place = where.key.rsplit("/", 1)[-1].replace("_", " ")
        return f"{place}, {utc_offset(where, moment)}"

    return {"long_date": long_date, "short_date": short_date, "day_month": day_month,
            "clock_time": clock_time,
            "zone_name": zone_name}
