"""Checks of single service and category fields, shared by the services and the xlsx import.

Each cleaner returns the clean value or raises ValueError with a short Russian reason
in lower case ("цена не число"): the import prefixes it with the row number, forms
and the API show it capitalized under the field.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

MAX_PRICE = Decimal("9999999999.99")  # Numeric(12, 2)
MIN_DURATION, MAX_DURATION = 1, 720
CODE_MAX, NAME_MAX, DESCRIPTION_MAX = 50, 255, 10_000
CENT = Decimal("0.01")
_SPACES = (" ", "\u00a0", "\u2009", "\u202f")


def _text(value, what: str, limit: int, required: bool) -> str | None:
    if value is None:
        value = ""
    if not isinstance(value, str):
        value = str(value)
    value = value.strip()
    if not value:
        if required:
            raise ValueError(f"{what} не указано" if what != "код" else "код не указан")
        return None
    if len(value) > limit:
        raise ValueError(f"{what} длиннее {limit} символов")
    return value


def code(value) -> str:
    result = _text(value, "код", CODE_MAX, True)
    if any(ch.isspace() for ch in result):
        raise ValueError("в коде не должно быть пробелов")
    return result


def name(value) -> str:
    return _text(value, "название", NAME_MAX, True)


def description(value) -> str | None:
    return _text(value, "описание", DESCRIPTION_MAX, False)


def price(value) -> Decimal:
    """A price in rubles: a number or text such as "1 500,50"; ≥ 0, two decimals at most."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError("цена не указана" if value in (None, "") else "цена не число")
    try:
        if isinstance(value, float):
            amount = Decimal(repr(value))
        elif isinstance(value, str):
            cleaned = value.strip()
            for space in _SPACES:
                cleaned = cleaned.replace(space, "")
            amount = Decimal(cleaned.replace(",", "."))
        else:
            amount = Decimal(value)
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValueError("цена не число") from exc
    if not amount.is_finite():
        raise ValueError("цена не число")
    if amount < 0:
        raise ValueError("цена меньше нуля")
    if amount > MAX_PRICE:
        raise ValueError("цена слишком большая")
    if amount != amount.quantize(CENT):
        raise ValueError("у цены больше двух знаков после запятой")
    return amount.quantize(CENT)


def duration(value) -> int:
    """Minutes, a whole number from 1 to 720."""
    if value is None or value == "":
        raise ValueError("длительность не указана")
    if isinstance(value, bool):
        raise ValueError("длительность не целое число")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("длительность не целое число")
        value = int(value)
    elif isinstance(value, str):
        if not value.strip().isdigit():
            raise ValueError("длительность не целое число")
        value = int(value.strip())
    elif not isinstance(value, int):
        raise ValueError("длительность не целое число")
    if not MIN_DURATION <= value <= MAX_DURATION:
        raise ValueError(f"длительность должна быть от {MIN_DURATION} до {MAX_DURATION} минут")
    return value


def flag(value) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError("ожидается да или нет")


def optional_id(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("ожидается id")
    return value


def id_list(value) -> list[int]:
    if value is None:
        return []
    result = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise ValueError("ожидается список id")
        if item not in result:
            result.append(item)
    return result


def position(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("позиция — целое число не меньше 0")
    return value


def category_name(value) -> str:
    return _text(value, "название", NAME_MAX, True)


SERVICE_CLEANERS = {
    "code": code, "name": name, "description": description, "price": price,
    "duration": duration, "category": optional_id, "clinics": id_list, "doctors": id_list,
    "is_active": flag,
}
CATEGORY_CLEANERS = {"name": category_name, "position": position, "is_active": flag}


def capitalized(reason: str) -> str:
    return reason[:1].upper() + reason[1:]


def clean(values: dict, cleaners: dict) -> tuple[dict, dict]:
    """Run the cleaner of each given field: (clean values, {field: [Russian messages]})."""
    result, errors = {}, {}
    for key, value in values.items():
        try:
            result[key] = cleaners[key](value)
        except ValueError as exc:
            errors[key] = [capitalized(str(exc))]
    return result, errors
