"""The one clock: what time and what day it is in a branch, and the organization's zone.

Instants are UTC in the database; people read them in a zone, and every feature
asks this module which one (no zone is written anywhere else):

- a branch's own zone (`clinics.timezone`) for what happens in that branch:
  appointments, working hours, the desk's "today";
- the organization's zone (`organizations.timezone`) for what belongs to no
  branch: the price list and its history, reports of the whole network;
- a person's zone for their own things (sessions, last sign-in): their branches'
  zone when they all share one, else the organization's (see `person_zone`).

Zones are shown by a human name, «Москва, UTC+3» (`zone_label`), dates and moments as
the reader's language writes them (`date_text`, `local_text`).
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.core import Locale, get_global
from babel.dates import format_date, format_skeleton, get_timezone_location
from flask import current_app, has_app_context, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _

from ..core.models import utcnow
from ..extensions import db
from .models import DEFAULT_ZONE, Organization

# A language that writes dates in digits: (date pattern, how date {1} and time {0} join).
# Any other gets CLDR's medium date joined its own way: «May 15, 1990, 14:05».
NUMERIC_DATES = {"ru": ("dd.MM.yyyy", "{1} {0}")}
# The IANA areas of real places; the rest (Etc/GMT+3, US/Eastern, W-SU, posix/…) are
# aliases or offsets that would only clutter a list people pick from.
PLACE_AREAS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe",
               "Indian", "Pacific")
MINUS = "\u2212"


# --- zones --------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """Every IANA zone name this machine knows."""
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def place_zones() -> tuple[str, ...]:
    """The zones of real places (Area/City), sorted, without old spellings of the same
    zone (Europe/Kiev beside Europe/Kyiv, per CLDR): what a zone select offers."""
    known = known_zones()
    aliases = {old for old, new in get_global("zone_aliases").items() if new in known}
    return tuple(sorted(name for name in known
                        if name.split("/", 1)[0] in PLACE_AREAS and name not in aliases))


def clean_zone(value) -> str:
    """The IANA zone name to store; raises ValueError (in the reader's language) for an empty
    or unknown one."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_("Выберите часовой пояс"))
    if value.strip() not in known_zones():
        raise ValueError(_("Неизвестный часовой пояс (ожидается, например, Europe/Moscow)"))
    return value.strip()


def zone(name: str | None) -> ZoneInfo:
    """The zone `name`; the default zone for an empty or unknown one (never raises).

    A stored zone is validated on the way in; this only keeps a page alive should
    the machine's zone database ever lack it.
    """
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def branch_zone(clinic) -> ZoneInfo:
    """The branch's zone; with no branch (a list across the network) the organization's."""
    return zone(clinic.timezone) if clinic is not None else organization_zone()


def organization_zone(organization: Organization | None = None) -> ZoneInfo:
    """The organization's zone (the installation's organization unless one is given)."""
    if organization is not None:
        return zone(organization.timezone)
    return zone(db.session.scalar(
        db.select(Organization.timezone).order_by(Organization.id).limit(1)))


def person_zone(user) -> ZoneInfo:
    """The zone a person reads their own times in (sessions, sign-ins, dates they type).

    Their branches' zone when all of them share one: the Almaty receptionist reads
    Almaty time. Someone working across zones, an administrator or a patient (no
    branch) gets the organization's clock, the one the whole network shares.
    """
    branches = getattr(user, "branches", None) or []
    names = {clinic.timezone for clinic in branches}
    if len(names) == 1:
        return zone(names.pop())
    return organization_zone(branches[0].organization if branches else None)


# --- now, today and local times -----------------------------------------------------------

# `now` lets a request that read the clock once ask every question about that one instant.

def branch_now(clinic, now: datetime | None = None) -> datetime:
    """Now (or the instant `now`) on the branch's wall clock, an aware datetime.

    `clinic` None (no branch chosen) reads the organization's clock, as `branch_zone`.
    """
    return (now or utcnow()).astimezone(branch_zone(clinic))


def branch_today(clinic, now: datetime | None = None) -> date:
    """Today's date in the branch (the branch's date at the instant `now`)."""
    return branch_now(clinic, now).date()


def organization_today(organization: Organization | None = None,
                       now: datetime | None = None) -> date:
    """Today's date on the organization's clock (for what belongs to no branch)."""
    return (now or utcnow()).astimezone(organization_zone(organization)).date()


def to_local(moment: datetime | None, where: ZoneInfo) -> datetime | None:
    """The instant `moment` on the wall clock of `where` (a naive one is taken as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(where)


def local_text(moment: datetime | None, where: ZoneInfo) -> str:
    """The instant on the wall clock of `where` as the reader writes it: `07.12.2026 14:05`,
    «Dec 7, 2026, 14:05»; "" for no moment (the `|local_time` filter)."""
    local = to_local(moment, where)
    if local is None:
        return ""
    locale = reader_locale()
    joined = NUMERIC_DATES.get(locale.language, (None, locale.datetime_formats["medium"]))[1]
    return joined.format(format_skeleton("Hm", local, tzinfo=where, locale=locale),
                         date_text(local))


def date_text(day: date | None) -> str:
    """A date as the reader writes it: `15.05.1990`, «May 15, 1990»; "" for none (the
    `|date_text` filter: birth dates, hire dates)."""
    if day is None:
        return ""
    locale = reader_locale()
    pattern = NUMERIC_DATES.get(locale.language, ("medium",))[0]
    return format_date(day, pattern, locale=locale)


# --- human names --------------------------------------------------------------------------

def reader_locale() -> Locale:
    """The language the page is drawn in; outside a request, the clinic's default one (and
    without an app at all, Russian: the language of the source strings)."""
    if has_request_context():
        return get_locale()
    return Locale.parse(current_app.config["BABEL_DEFAULT_LOCALE"] if has_app_context() else "ru")


def _locale() -> str:
    return str(reader_locale())


def utc_offset(where: ZoneInfo, at: datetime | None = None) -> str:
    """`UTC+3`, `UTC+5:30`, `UTC−3` at the moment `at` (now by default)."""
    delta = (at or utcnow()).astimezone(where).utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta else 0
    sign = "+" if minutes >= 0 else MINUS
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


@lru_cache(maxsize=2048)
def _place(name: str, locale: str) -> str | None:
    """The city of a zone in the reader's language (CLDR), None for offset-only zones."""
    if name in ("UTC", "GMT") or name.startswith(("Etc/", "GMT", "UTC")):
        return None
    try:
        return get_timezone_location(name, locale=locale, return_city=True)
    except LookupError:
        return name.rsplit("/", 1)[-1].replace("_", " ")


def zone_label(name: str | None, at: datetime | None = None) -> str:
    """«Москва, UTC+3»: a zone as people say it, with its offset at `at` (now by default).

    An unknown name is shown as it is; an offset-only zone (UTC, Etc/GMT-5) as its offset.
    """
    if not name:
        return ""
    if name not in known_zones():
        return name
    offset = utc_offset(ZoneInfo(name), at)
    place = _place(name, _locale())
    return f"{place}, {offset}" if place else offset


@lru_cache(maxsize=4)
def _labels(locale: str, hour: datetime) -> dict[str, str]:
    # Offsets change only at a DST switch (on the hour almost everywhere): labels of
    # some 400 zones are worked out once an hour, not on every form shown.
    return {name: f"{_place(name, locale)}, {utc_offset(ZoneInfo(name), hour)}"
            for name in place_zones()}


def zone_labels() -> dict[str, str]:
    """{zone: «Город, UTC±N»} for every place zone, in the reader's language."""
    return _labels(_locale(), utcnow().replace(minute=0, second=0, microsecond=0))
