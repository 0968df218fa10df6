"""Phone numbers normalized to E.164 (Russia by default)."""
from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "RU"


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """Return the number in E.164 (`+79991234567`) or raise InvalidPhone."""
    text = (raw or "").strip()
    if text.startswith("8") and len("".join(ch for ch in text if ch.isdigit())) == 11:
        # Russian trunk prefix: 8 999 … is +7 999 …
        text = "+7" + "".join(ch for ch in text if ch.isdigit())[1:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("Неверный формат телефона") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("Неверный номер телефона")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(phone: str | None) -> str:
    """E.164 as people read it: `+7 916 123-45-67` (a template filter: `|phone`)."""
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
