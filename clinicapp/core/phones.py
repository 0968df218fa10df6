"""Phone numbers normalized to E.164: Russia by default, Kazakhstan and Uzbekistan too."""
from __future__ import annotations

import re

import phonenumbers
from flask_babel import gettext as _

DEFAULT_REGION = "RU"
# Uzbekistan's national numbers have 9 digits (90 123 45 67); no Russian or Kazakh
# number does (theirs have 10 after +7), so nine digits can only be Uzbek.
UZ_NATIONAL_DIGITS = 9


class InvalidPhone(ValueError):
    pass


def _parse(text: str, region: str) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(_("Неверный формат телефона")) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(_("Неверный номер телефона"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """Return the number in E.164 (`+79991234567`) or raise InvalidPhone.

    Typed any way; the rule, tried in this order until a valid number comes out:

    1. as typed in `region` (Russia by default): `+…` in any country,
       `8 916 123-45-67` and `916 123-45-67` → +7 916…, `8 701 …` / `701 …` → +7 701…
       (Kazakhstan shares +7, so its 10-digit numbers need no rule of their own);
    2. exactly 9 digits → Uzbekistan: `90 123 45 67` → +998 90 123 45 67 (a Russian
       or Kazakh number never has 9 digits, so this is not ambiguous);
    3. digits without the plus: `998 90 123 45 67`, `7 916 123 45 67` → +998…, +7….
    """
    text = (raw or "").strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("8") and len(digits) == 11:
        # Russian trunk prefix: 8 999 … is +7 999 …
        text = "+7" + digits[1:]
    attempts = [(text, region)]
    if digits and not text.startswith("+"):
        if len(digits) == UZ_NATIONAL_DIGITS:
            attempts.append((digits, "UZ"))
        attempts.append(("+" + digits, region))
    error: InvalidPhone | None = None
    for candidate, candidate_region in attempts:
        try:
            return _parse(candidate, candidate_region)
        except InvalidPhone as exc:
            error = error or exc
    raise error or InvalidPhone(_("Неверный формат телефона"))


def display_phone(phone: str | None) -> str:
    """E.164 as people read it: `+7 916 123-45-67` (a template filter: `|phone`)."""
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
