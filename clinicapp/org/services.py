"""Changing the organization's requisites and its clinics (branches).

Only administrators (`org.manage`) change them. Every function validates all
it is given first and reports every bad field at once (ValidationFailed with
`details={field: [message]}`, messages in the reader's language: Russian in the
API), so nothing is half-saved;
then it applies the change, writes one audit entry and flushes. Uploaded
images are stored only when the rest is valid, and removed again if not.
"""
from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from babel.numbers import list_currencies
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..core.emails import InvalidEmail, normalize_email
from ..core.errors import Conflict, PermissionDenied, ValidationFailed
from ..core.permissions import has_permission
from ..core.phones import InvalidPhone, normalize_phone
from ..core.texts import required, too_long
from ..core.uploads import save_image, upload_dir
from ..extensions import db
from . import clock, requisites
from .hours import normalize_hours
from .models import CLINIC_NAME_INDEX, Clinic, Organization

MAX_PHOTOS = 10
ORGANIZATION_FIELDS = ("name", "inn", "kpp", "ogrn", "legal_address", "postal_address",
                       "bank_name", "bik", "settlement_account", "correspondent_account",
                       "phone", "email", "timezone", "currency")
CLINIC_FIELDS = ("name", "address", "latitude", "longitude", "phone", "timezone",
                 "description", "rating", "opening_hours", "is_active")
# Limits of the text columns (String(n)); Text columns get a generous cap.
TEXT_LIMITS = {"name": 255, "bank_name": 255, "legal_address": 1000, "postal_address": 1000,
               "address": 1000, "description": 5000}


class _Errors(dict):
    """field → [messages]; raised as one ValidationFailed."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self, saved: list[str] = ()) -> None:
        if not self:
            return
        _discard(saved)
        first = next(iter(self.values()))[0]
        raise ValidationFailed(_("Проверьте поля формы: %(first)s", first=first)
                               if len(self) > 1 else first, details=dict(self))


@contextmanager
def unique_or_conflict(conflicts: dict):
    """Make the block's changes in a SAVEPOINT; a unique index they break raises a Conflict.

    `conflicts` maps an index name to a function making the Conflict. The checks
    before a write cannot see a concurrent request's row; the index can. Make the
    changes inside the block (entering it flushes what is already pending), so a
    refusal rolls back only them: a 409, not a 500, and the session stays usable.
    """
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError as exc:
        make = conflicts.get(getattr(getattr(exc.orig, "diag", None), "constraint_name", None))
        if make is None:
            raise
        raise make() from exc


def _name_taken() -> str:
    return _("Филиал с таким названием уже есть")


def _name_conflict() -> Conflict:
    return Conflict(_name_taken(), details={"name": [_name_taken()]})


def _too_many_photos() -> str:
    return ngettext("Не больше %(num)d фотографии", "Не больше %(num)d фотографий", MAX_PHOTOS)


def _discard(paths) -> None:
    """Delete images stored for a change that is not going to happen."""
    for path in paths:
        (upload_dir() / path).unlink(missing_ok=True)


def require_manager(actor) -> None:
    """Raises PermissionDenied unless `actor` may change the requisites and branches."""
    if not has_permission(actor, "org.manage"):
        raise PermissionDenied(_("Менять реквизиты и филиалы может только администратор"))


# --- cleaning single values: each returns the value to store or raises ValueError -----

def _text(field: str, value, *, is_required: bool = False) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(_("Ожидается текст"))
    text = (value or "").strip()
    if "\x00" in text:
        raise ValueError(_("Недопустимый символ в тексте"))
    if not text:
        if is_required:
            raise ValueError(required())
        return None
    limit = TEXT_LIMITS.get(field, 255)
    if len(text) > limit:
        raise ValueError(too_long(limit))
    return text


def _optional(cleaner):
    """Apply `cleaner` to a non-empty value; empty means "not set" (None)."""

    def clean(field: str, value):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise ValueError(_("Ожидается текст"))
        return cleaner(value)

    return clean


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except InvalidPhone as exc:
        raise ValueError(_("%(problem)s: укажите номер с кодом страны, например "
                           "+7 495 123-45-67", problem=exc)) from exc


def _email(value: str) -> str:
    try:
        return normalize_email(value)
    except InvalidEmail as exc:
        raise ValueError(str(exc)) from exc


def _decimal(value, places: int, low: int, high: int, out_of_range) -> Decimal | None:
    """A number from `low` to `high` with at most `places` decimals; "" is None.

    Raises ValueError for text, infinities, out of range (`out_of_range()`, its words,
    checked before rounding: 1e30 cannot be rounded to `places`), more decimals.
    """
    if value is None or isinstance(value, bool):
        raise ValueError(_("Ожидается число"))
    if isinstance(value, str):
        value = value.strip().replace(",", ".").replace("\u2212", "-")
        if not value:
            return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(_("Ожидается число")) from exc
    if not number.is_finite():
        raise ValueError(_("Ожидается число"))
    if not low <= number <= high:
        raise ValueError(out_of_range())
    step = Decimal(1).scaleb(-places)
    if number != number.quantize(step):
        raise ValueError(ngettext("Не больше %(num)d знака после запятой",
                                  "Не больше %(num)d знаков после запятой", places)
                         if places > 1 else _("Один знак после запятой"))
    return number.quantize(step)


def _coordinate(limit: int):
    def clean(field: str, value):
        if value is None:
            return None
        return _decimal(value, 6, -limit, limit,
                        lambda: _("От −%(limit)s до %(limit)s", limit=limit))

    return clean


def _rating(field: str, value) -> Decimal:
    number = _decimal(value, 1, 0, 5, lambda: _("Рейтинг от 0 до 5")) \
        if value is not None else None
    return Decimal("0.0") if number is None else number


def _boolean(field: str, value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(_("Ожидается да или нет"))
    return value


def clean_currency(value) -> str:
    """An ISO 4217 code the world knows («rub» → «RUB»); else a named error. Invoices keep
    the currency they were written in, so changing it affects only new ones."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in currency_codes():
        raise ValueError(_("Валюта — трёхбуквенный код ISO 4217, например RUB, KZT или UZS"))
    return code


def currency_codes() -> frozenset[str]:
    return frozenset(code for code in list_currencies() if len(code) == 3 and code.isalpha())


ORGANIZATION_CLEANERS = {
    "name": lambda f, v: _text(f, v, is_required=True),
    "inn": _optional(requisites.clean_inn),
    "kpp": _optional(requisites.clean_kpp),
    "ogrn": _optional(requisites.clean_ogrn),
    "legal_address": _text,
    "postal_address": _text,
    "bank_name": _text,
    "bik": _optional(requisites.clean_bik),
    "settlement_account": _optional(requisites.clean_settlement_account),
    "correspondent_account": _optional(requisites.clean_correspondent_account),
    "phone": _optional(_phone),
    "email": _optional(_email),
    "timezone": lambda f, v: clock.clean_zone(v),
    "currency": lambda f, v: clean_currency(v),
}
CLINIC_CLEANERS = {
    "name": lambda f, v: _text(f, v, is_required=True),
    "address": _text,
    "description": _text,
    "latitude": _coordinate(90),
    "longitude": _coordinate(180),
    "phone": _optional(_phone),
    "timezone": lambda f, v: clock.clean_zone(v),
    "rating": _rating,
    "is_active": _boolean,
}


def _clean(data: dict, cleaners: dict, errors: _Errors) -> dict:
    cleaned = {}
    for field, value in data.items():
        cleaner = cleaners.get(field)
        if cleaner is None:
            errors.add(field, _("Неизвестное поле"))
            continue
        try:
            cleaned[field] = cleaner(field, value)
        except ValueError as exc:
            errors.add(field, str(exc))
    return cleaned


def _save_images(files, field: str, folder: str, errors: _Errors) -> list[str]:
    saved = []
    for file in files:
        try:
            saved.append(save_image(file, field, folder))
        except ValidationFailed as exc:
            for message in exc.details.get(field, [exc.detail]):
                errors.add(field, message)
    return saved


def _jsonable(value):
    return str(value) if isinstance(value, Decimal) else value


def _apply(target, values: dict) -> dict:
    """Set the attributes that really change; return them as {field: [old, new]}."""
    changes = {}
    for field, new in values.items():
        old = getattr(target, field)
        if old != new:
            changes[field] = [_jsonable(old), _jsonable(new)]
            setattr(target, field, new)
    return changes


# --- the organization ------------------------------------------------------------------

def update_organization(actor, organization: Organization, changes: dict, *, logo=None,
                        remove_logo: bool = False) -> Organization:
    """Change some requisites of `organization` (only the keys given in `changes`).

    INN, KPP, OGRN (with their check digits), BIK and the accounts (with the
    bank's control key), phone (stored in E.164), e-mail and the time zone (an
    IANA name: the clock of what belongs to no branch) are checked; `logo`
    is an uploaded file (JPEG, PNG, WebP). Raises PermissionDenied unless
    `actor` is an administrator, ValidationFailed naming every bad field.
    """
    require_manager(actor)
    errors = _Errors()
    cleaned = _clean(changes, ORGANIZATION_CLEANERS, errors)
    before = {field: getattr(organization, field) for field in ORGANIZATION_FIELDS}
    old_problems = requisites.cross_check(before)
    changed = {field for field, value in cleaned.items() if value != before[field]}
    for field, message in requisites.cross_check({**before, **cleaned}).items():
        # An inconsistency stored earlier does not block an unrelated change.
        if field not in errors and (field not in old_problems
                                    or changed & set(requisites.CROSS_FIELDS[field])):
            errors.add(field, message)
    saved = _save_images([logo] if logo else [], "logo", "org", errors)
    errors.raise_if_any(saved)
    if saved:
        cleaned["logo_path"] = saved[0]
    elif remove_logo:
        cleaned["logo_path"] = None
    applied = _apply(organization, cleaned)
    if applied:
        record(actor, "organization.updated", organization, applied)
    db.session.flush()
    return organization


# --- clinics (branches) ---------------------------------------------------------------

def _clean_clinic(clinic: Clinic | None, organization_id: int, data: dict,
                  errors: _Errors) -> dict:
    hours = data.get("opening_hours")
    cleaned = _clean({k: v for k, v in data.items() if k != "opening_hours"},
                     CLINIC_CLEANERS, errors)
    if "opening_hours" in data:
        cleaned["opening_hours"], day_errors = normalize_hours(hours)
        for day, message in day_errors.items():
            errors.add(f"opening_hours.{day}" if day else "opening_hours", message)
    latitude = cleaned.get("latitude", clinic.latitude if clinic else None)
    longitude = cleaned.get("longitude", clinic.longitude if clinic else None)
    if (latitude is None) != (longitude is None) and not {"latitude", "longitude"} & set(errors):
        missing = "longitude" if longitude is None else "latitude"
        errors.add(missing, _("Укажите обе координаты или ни одной"))
    name = cleaned.get("name")
    if name and (clinic is None or name != clinic.name) and \
            name_taken(organization_id, name, clinic.id if clinic else None):
        errors.add("name", _name_taken())
    return cleaned


def name_taken(organization_id: int, name: str, own_id: int | None = None) -> bool:
    """Whether another branch of the organization has this name (letter case aside)."""
    statement = db.select(Clinic.id).where(Clinic.organization_id == organization_id,
                                           db.func.lower(Clinic.name) == name.lower())
    if own_id is not None:
        statement = statement.where(Clinic.id != own_id)
    return db.session.scalar(statement.limit(1)) is not None


@contextmanager
def _unique_name(saved: list[str]):
    """The block names a branch; a name taken meanwhile is a Conflict (new images dropped)."""
    try:
        with unique_or_conflict({CLINIC_NAME_INDEX: _name_conflict}):
            yield
    except Conflict:
        _discard(saved)
        raise


def create_clinic(actor, organization: Organization, data: dict, *, logo=None,
                  photos=()) -> Clinic:
    """Add a branch to `organization`; `data` holds CLINIC_FIELDS (name required).

    `opening_hours` is {"mon": [["09:00", "18:00"]] or "09:00–18:00", …}; `logo`
    and `photos` are uploaded files. Raises PermissionDenied (not an
    administrator), ValidationFailed naming every bad field, Conflict (the name
    taken by a concurrent request: the unique index).
    """
    require_manager(actor)
    errors = _Errors()
    data = {"timezone": clock.DEFAULT_ZONE, **data}
    if "name" not in data:
        errors.add("name", required())
    cleaned = _clean_clinic(None, organization.id, data, errors)
    if len(photos) > MAX_PHOTOS:
        errors.add("photos", _too_many_photos())
    saved_logo = _save_images([logo] if logo else [], "logo", "clinics", errors)
    saved_photos = _save_images(photos, "photos", "clinics", errors)
    errors.raise_if_any(saved_logo + saved_photos)
    clinic = Clinic(organization_id=organization.id, logo_path=next(iter(saved_logo), None),
                    photos=saved_photos, **cleaned)
    with _unique_name(saved_logo + saved_photos):
        db.session.add(clinic)
    record(actor, "clinic.created", clinic, {
        **{field: _jsonable(value) for field, value in cleaned.items()},
        "logo_path": clinic.logo_path, "photos": saved_photos})
    return clinic


def update_clinic(actor, clinic: Clinic, data: dict, *, logo=None, remove_logo: bool = False,
                  new_photos=(), remove_photos=()) -> Clinic:
    """Change the branch's fields given in `data` and its images.

    `remove_photos` are paths from `clinic.photos`; `new_photos` are uploaded
    files added after the kept ones (at most MAX_PHOTOS in all). Raises
    PermissionDenied, ValidationFailed naming every bad field, Conflict (the
    name taken by a concurrent request).
    """
    require_manager(actor)
    errors = _Errors()
    cleaned = _clean_clinic(clinic, clinic.organization_id, data, errors)
    kept = [path for path in clinic.photos or [] if path not in set(remove_photos)]
    if len(kept) + len(new_photos) > MAX_PHOTOS:
        errors.add("photos", _too_many_photos())
    saved_logo = _save_images([logo] if logo else [], "logo", "clinics", errors)
    saved_photos = _save_images(new_photos, "photos", "clinics", errors)
    errors.raise_if_any(saved_logo + saved_photos)
    if saved_logo:
        cleaned["logo_path"] = saved_logo[0]
    elif remove_logo:
        cleaned["logo_path"] = None
    cleaned["photos"] = kept + saved_photos
    with _unique_name(saved_logo + saved_photos):
        applied = _apply(clinic, cleaned)
    if applied:
        action = "clinic.deactivated" if applied.get("is_active") == [True, False] else \
            "clinic.updated"
        record(actor, action, clinic, applied)
    db.session.flush()
    return clinic


def deactivate_clinic(actor, clinic: Clinic) -> Clinic:
    """Hide a branch from the apps and from booking; its history stays.

    Idempotent. Raises PermissionDenied unless `actor` is an administrator.
    """
    return update_clinic(actor, clinic, {"is_active": False})
