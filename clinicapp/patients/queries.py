"""Read-only selects over patients: the search-as-you-type, duplicates, lookups.

The search is served by the trigram GIN indexes on `search_name` and `phone`
(`ix_patients_search_name_trgm`, `ix_patients_phone_trgm`): every name word is
`search_name ILIKE '%word%'` and typed digits are `phone LIKE '%digits%'`.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import Select, false, func, or_

from ..core.errors import NotFound
from ..core.routing import MAX_ID
from ..core.search import ESCAPE, contains_pattern, regex_literal
from ..extensions import db
from ..org.models import Organization
from .models import Patient

DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d")
PHONE_TOKEN = re.compile(r"^[+\d()\-]*\d[\d()\-]*$")
# Up to this many matches a search is sorted by name; more come newest first.
SORT_BY_NAME_UP_TO = 500


def patient_for_user(user) -> Patient | None:
    """The patient record linked to a login (`patients.user_id`), or None (no user, staff,
    or a patient account not linked yet)."""
    if user is None:
        return None
    return db.session.scalar(db.select(Patient).where(Patient.user_id == user.id))


def get_patient(organization_id: int, patient_id: int) -> Patient:
    """The patient of this organization; raises NotFound otherwise."""
    patient = db.session.get(Patient, patient_id) if 0 < patient_id <= MAX_ID else None
    if patient is None or patient.organization_id != organization_id:
        raise NotFound(_("Пациент не найден"), details={"id": [_("Нет такого пациента")]})
    return patient


def _as_date(token: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(token, fmt).date()
        except ValueError:
            continue
    return None


def phone_digit_variants(digits: str) -> list[str]:
    """What typed digits may mean in a stored E.164 number (8… is the Russian +7…)."""
    variants = [digits]
    if digits.startswith("8") and len(digits) > 1:
        variants.append("7" + digits[1:])
    return variants


def _name_condition(token: str):
    """A name word: anywhere in the name; one or two letters: the start of a word.

    Short words have no trigram inside them, but a word start does (pg_trgm pads
    words with spaces), so both forms stay served by the trigram index. The word
    start is one regular expression, not `ILIKE 'ю%' OR ILIKE '% ю%'`: the planner
    prices an OR as two index scans, and with a full GIN pending list PostgreSQL 18
    then prefers reading the whole table.
    """
    word = token.lower()
    if not any(ch.isalnum() for ch in word):
        return false()  # no name is made of punctuation alone (and no index could help)
    if len(word) >= 3:
        return Patient.search_name.ilike(contains_pattern(word), escape=ESCAPE)
    return Patient.search_name.regexp_match("(^| )" + regex_literal(word), flags="i")


def search_conditions(query: str) -> list:
    """WHERE clauses for a typed query: name words, phone digits, a birth date.

    Words in any order each match part of the name; `%`, `_` and quotes are text.
    """
    conditions = []
    digits = ""
    for token in (query or "").split():
        day = _as_date(token)
        if day is not None:
            conditions.append(Patient.birth_date == day)
        elif PHONE_TOKEN.match(token):
            digits += re.sub(r"\D", "", token)
        else:
            conditions.append(_name_condition(token))
    if digits:
        conditions.append(or_(*(Patient.phone.like(contains_pattern(variant), escape=ESCAPE)
                                for variant in phone_digit_variants(digits))))
    return conditions


def _matching(organization_id: int, query: str | None) -> Select:
    return db.select(Patient).where(Patient.organization_id == organization_id,
                                    *search_conditions(query or ""))


def patients_statement(organization_id: int, query: str | None = None, *,
                       alphabetical: bool | None = None) -> Select:
    """Patients of the organization matching `query`.

    Alphabetical (the default for a search) or newest first (the default for
    the whole list). Newest first lets PostgreSQL stop at the first page when
    thousands match, so a broad search stays fast; see `count_patients`.
    """
    statement = _matching(organization_id, query)
    if alphabetical is None:
        alphabetical = bool(search_conditions(query or ""))
    if alphabetical:
        return statement.order_by(Patient.search_name, Patient.id)
    return statement.order_by(Patient.id.desc())


def count_statement(organization_id: int, query: str | None = None,
                    cap: int | None = None) -> Select:
    """SELECT count of the matches; with `cap`, counting stops at cap + 1."""
    inner = _matching(organization_id, query).with_only_columns(Patient.id)
    if cap is not None:
        inner = inner.limit(cap + 1)
    return db.select(func.count()).select_from(inner.subquery())


def count_patients(organization_id: int, query: str | None = None,
                   cap: int | None = None) -> int:
    return db.session.scalar(count_statement(organization_id, query, cap))


def page_statement(organization_id: int, query: str | None, total: int) -> Select:
    """The statement to page through `total` matches: sorted by name unless too many."""
    alphabetical = bool(search_conditions(query or "")) and total <= SORT_BY_NAME_UP_TO
    return patients_statement(organization_id, query, alphabetical=alphabetical)


def page_of_patients(organization_id: int, query: str | None, limit: int, offset: int,
                     count_cap: int | None = None) -> tuple[list[Patient], int]:
    """One page of matches and their count (stopping at `count_cap` + 1 when given)."""
    total = count_patients(organization_id, query, cap=count_cap)
    statement = page_statement(organization_id, query, total)
    return list(db.session.scalars(statement.limit(limit).offset(offset))), total


def search_patients(query: str, organization: Organization | int, limit: int = 20) -> list[Patient]:
    """Up to `limit` patients matching `query` (name words, phone digits, dd.mm.yyyy)."""
    organization_id = getattr(organization, "id", organization)
    total = count_patients(organization_id, query, cap=SORT_BY_NAME_UP_TO)
    statement = page_statement(organization_id, query, total)
    return list(db.session.scalars(statement.limit(limit)))


def find_by_phone(organization_id: int, phone: str, limit: int = 100) -> list[Patient]:
    """Patients whose main or extra number is `phone` (already E.164)."""
    return list(db.session.scalars(
        db.select(Patient).where(Patient.organization_id == organization_id,
                                 or_(Patient.phone == phone, Patient.extra_phones.any(phone)))
        .order_by(Patient.id).limit(limit)))


def find_duplicate(organization_id: int, phones: list[str], email: str | None,
                   exclude_id: int | None = None) -> Patient | None:
    """The first patient sharing any of `phones` (main or extra) or the e-mail."""
    matches = []
    if phones:
        matches += [Patient.phone.in_(phones), Patient.extra_phones.overlap(phones)]
    if email:
        matches.append(Patient.email == email)
    if not matches:
        return None
    statement = db.select(Patient).where(Patient.organization_id == organization_id,
                                         or_(*matches))
    if exclude_id is not None:
        statement = statement.where(Patient.id != exclude_id)
    return db.session.scalar(statement.order_by(Patient.id).limit(1))
