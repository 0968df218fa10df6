"""Cleaning of patient fields: one place for the rules pages, the API and seeds share.

`clean_fields` turns raw input into model values and collects every problem
at once, each message under the field's name in the reader's language (Russian in
the API).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext

from ..core.emails import InvalidEmail, normalize_email
from ..core.errors import ValidationFailed
from ..core.models import utcnow
from ..core.phones import InvalidPhone, normalize_phone
from ..core.texts import required, too_long
from ..i18n import supported
from .models import SEX_CHOICES

MIN_BIRTH_DATE = date(1900, 1, 1)
MAX_EXTRA_PHONES = 5
# Longest value of each text field (the columns' sizes, or a sane bound for Text).
MAX_LENGTHS = {
    "last_name": 100, "first_name": 100, "middle_name": 100, "address": 500,
    "document_type": 50, "document_number": 50, "notes": 5000,
    "external_1c_id": 100, "external_bitrix_id": 100,
}
TEXT_FIELDS = tuple(MAX_LENGTHS)
REQUIRED_FIELDS = ("last_name", "first_name")
FIELDS = (*TEXT_FIELDS, "birth_date", "sex", "phone", "extra_phones", "email", "consent_at",
          "clinic_id", "language")
# Personal data the audit log must never hold, not even as "before/after".
SECRET_FIELDS = ("document_number", "notes")


def _text(value, field: str, errors: dict) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    value = " ".join(value.split()) if field not in ("notes", "address") else value.strip()
    if "\x00" in value:
        errors[field] = [_("Недопустимый символ")]
        return None
    if len(value) > MAX_LENGTHS[field]:
        errors[field] = [too_long(MAX_LENGTHS[field])]
        return None
    return value or None


def _birth_date(value, errors: dict) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        errors["birth_date"] = [_("Укажите дату в формате ДД.ММ.ГГГГ")]
        return None
    if value > date.today():
        errors["birth_date"] = [_("Дата рождения не может быть в будущем")]
    elif value < MIN_BIRTH_DATE:
        errors["birth_date"] = [_("Дата рождения не может быть раньше 01.01.1900")]
    else:
        return value
    return None


def _consent_at(value, errors: dict) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, datetime):
        errors["consent_at"] = [_("Укажите дату и время согласия")]
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if value.year < 1990 or value > utcnow() + timedelta(days=1):
        errors["consent_at"] = [_("Дата согласия не может быть в будущем или раньше 1990 года")]
        return None
    return value.astimezone(UTC)


def _phones(value, field: str, errors: dict) -> list[str]:
    raw = [value] if isinstance(value, str) else list(value or [])
    phones = []
    for item in raw:
        if item is None or not str(item).strip():
            continue
        try:
            phone = normalize_phone(str(item))
        except InvalidPhone as exc:
            errors[field] = [_("%(problem)s: %(phone)s", problem=exc, phone=str(item)[:40])]
            return []
        if phone not in phones:
            phones.append(phone)
    return phones


def _language(value, errors: dict) -> str | None:
    """The language of the patient's notifications, one the interface speaks (`en`); None
    for the clinic's default language."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    code = value.strip().lower() if isinstance(value, str) else value
    if code not in supported():
        errors["language"] = [_("Неизвестный язык: ожидается один из %(codes)s",
                                codes=", ".join(supported()))]
        return None
    return code


def clean_fields(data: dict, *, partial: bool) -> dict:
    """Model values for the fields present in `data` (all fields unless `partial`).

    Raises ValidationFailed naming every bad field.
    """
    errors: dict[str, list[str]] = {}
    values: dict = {}
    for field in FIELDS:
        if partial and field not in data:
            continue
        value = data.get(field)
        if field in TEXT_FIELDS:
            values[field] = _text(value, field, errors)
            if field in REQUIRED_FIELDS and not values[field] and field not in errors:
                errors[field] = [required()]
        elif field == "birth_date":
            values[field] = _birth_date(value, errors)
        elif field == "consent_at":
            values[field] = _consent_at(value, errors)
        elif field == "sex":
            sex = value.strip().upper() or None if isinstance(value, str) else value
            if sex is not None and sex not in SEX_CHOICES:
                errors["sex"] = [_("Укажите пол: M или F")]
            values[field] = sex
        elif field == "phone":
            phones = _phones(value, "phone", errors)
            values[field] = phones[0] if phones else None
        elif field == "extra_phones":
            phones = _phones(value, "extra_phones", errors)
            if len(phones) > MAX_EXTRA_PHONES:
                errors["extra_phones"] = [ngettext(
                    "Не больше %(num)d дополнительного номера",
                    "Не больше %(num)d дополнительных номеров", MAX_EXTRA_PHONES)]
            values[field] = phones
        elif field == "language":
            values[field] = _language(value, errors)
        elif field == "email":
            try:
                values[field] = normalize_email(value) if value and str(value).strip() else None
            except InvalidEmail as exc:
                errors["email"] = [str(exc)]
        else:
            values[field] = value
    if errors:
        names = ", ".join(errors)
        raise ValidationFailed(_("Проверьте поля: %(names)s", names=names), details=errors)
    return values
