"""E-mail addresses: syntax checked, stored lower-case."""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    pass


def normalize_email(raw: str | None) -> str:
    """Return the address lower-cased, or raise InvalidEmail (message in Russian).

    Deliverability (DNS) is not checked: clinics work offline. `.test`
    addresses are accepted for demo and test accounts.
    """
    try:
        result = validate_email((raw or "").strip(), check_deliverability=False,
                                test_environment=True)
    except EmailNotValidError as exc:
        raise InvalidEmail("Неверный e-mail") from exc
    return result.normalized.lower()
