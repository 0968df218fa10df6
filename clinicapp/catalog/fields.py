"""Checks of single service and category fields, shared by the services and the xlsx import.

Each cleaner returns the clean value or raises ValueError with a short reason in lower
case ("цена не число", through gettext: Russian in the API, the reader's language on the
pages): the import prefixes it with the row number, forms and the API show it
capitalized under the field.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from ..core.money import AmbiguousAmount, AmountError, parse_amount

MAX_PRICE = Decimal("9999999999.99")  # Numeric(12, 2)
MIN_DURATION, MAX_DURATION = 1, 720
CODE_MAX, NAME_MAX, DESCRIPTION_MAX = 50, 255, 10_000
CENT = Decimal("0.01")
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")


def _text(value, limit: int, required: bool, missing: str, too_long: str) -> str | None:
    if value is None:
        value = ""
    if not isinstance(value, str):
        value = str(value)
    value = value.strip()
    if not value:
        if required:
            raise ValueError(missing)
        return None
    if len(value) > limit:
        raise ValueError(too_long)
    return value


def code(value) -> str:
    result = _text(value, CODE_MAX, True, _("код не указан"),
                   _("код длиннее %(limit)d символов", limit=CODE_MAX))
    if any(ch.isspace() for ch in result):
        raise ValueError(_("в коде не должно быть пробелов"))
    return result


def name(value) -> str:
    return _text(value, NAME_MAX, True, _("название не указано"),
                 _("название длиннее %(limit)d символов", limit=NAME_MAX))


def description(value) -> str | None:
    return _text(value, DESCRIPTION_MAX, False, "",
                 _("описание длиннее %(limit)d символов", limit=DESCRIPTION_MAX))


def price(value) -> Decimal:
    """A price in rubles: a number or text as people write it («1 500,50», «1500.50»,
    «1,500.00»: core.money.parse_amount); ≥ 0, two decimals at most."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(_("цена не указана") if value in (None, "") else _("цена не число"))
    try:
        if isinstance(value, float):
            amount = Decimal(repr(value))
        elif isinstance(value, str):
            if not value.strip():
                raise ValueError(_("цена не указана"))
            amount = parse_amount(value)
        else:
            amount = Decimal(value)
    except AmbiguousAmount as exc:
        raise ValueError(_("цена «%(text)s» неоднозначна: напишите %(whole)s или %(fraction)s",
                           text=exc.text, whole=exc.whole, fraction=exc.fraction)) from exc
    except (AmountError, InvalidOperation, TypeError) as exc:
        raise ValueError(_("цена не число")) from exc
    if not amount.is_finite():
        raise ValueError(_("цена не число"))
    if amount < 0:
        raise ValueError(_("цена меньше нуля"))
    if amount > MAX_PRICE:
        raise ValueError(_("цена слишком большая"))
    if amount != amount.quantize(CENT):
        raise ValueError(_("у цены больше двух знаков после запятой"))
    return amount.quantize(CENT)


def price_from(value) -> date | None:
    """The day a new price takes effect: a date, "ГГГГ-ММ-ДД" (a date input) or
    "ДД.ММ.ГГГГ"; None (empty) means today. Whether it is in the past is the service's
    question: it knows today."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        for pattern in DATE_FORMATS:
            try:
                return datetime.strptime(value.strip(), pattern).date()
            except ValueError:
                continue
    raise ValueError(_("дата начала действия цены не дата: ожидается ДД.ММ.ГГГГ"))


def duration(value) -> int:
    """Minutes, a whole number from 1 to 720."""
    if value is None or value == "":
        raise ValueError(_("длительность не указана"))
    if isinstance(value, bool):
        raise ValueError(_("длительность не целое число"))
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(_("длительность не целое число"))
        value = int(value)
    elif isinstance(value, str):
        if not value.strip().isdigit():
            raise ValueError(_("длительность не целое число"))
        value = int(value.strip())
    elif not isinstance(value, int):
        raise ValueError(_("длительность не целое число"))
    if not MIN_DURATION <= value <= MAX_DURATION:
        raise ValueError(_("длительность должна быть от %(min)d до %(max)d минут",
                           min=MIN_DURATION, max=MAX_DURATION))
    return value


def flag(value) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(_("ожидается да или нет"))


def optional_id(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(_("ожидается id"))
    return value


def id_list(value) -> list[int]:
    if value is None:
        return []
    result = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise ValueError(_("ожидается список id"))
        if item not in result:
            result.append(item)
    return result


def position(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(_("позиция — целое число не меньше 0"))
    return value


def category_name(value) -> str:
    return name(value)


SERVICE_CLEANERS = {
    "code": code, "name": name, "description": description, "price": price,
    "duration": duration, "category": optional_id, "clinics": id_list, "doctors": id_list,
    "is_active": flag, "price_from": price_from,
}
CATEGORY_CLEANERS = {"name": category_name, "position": position, "is_active": flag}


def capitalized(reason: str) -> str:
    return reason[:1].upper() + reason[1:]


def clean(values: dict, cleaners: dict) -> tuple[dict, dict]:
    """Run the cleaner of each given field: (clean values, {field: [messages]})."""
    result, errors = {}, {}
    for key, value in values.items():
        try:
            result[key] = cleaners[key](value)
        except ValueError as exc:
            errors[key] = [capitalized(str(exc))]
    return result, errors
