"""E-mail addresses (syntax checked, stored lower-case) and the language a message to a
person is written in."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _


class InvalidEmail(ValueError):
    pass


def normalize_email(raw: str | None) -> str:
    """Return the address lower-cased, or raise InvalidEmail (message in the reader's
    language; Russian in the API).

    Deliverability (DNS) is not checked: clinics work offline. `.test`
    addresses are accepted for demo and test accounts.
    """
    try:
        result = validate_email((raw or "").strip(), check_deliverability=False,
                                test_environment=True)
    except EmailNotValidError as exc:
        raise InvalidEmail(_("Неверный e-mail")) from exc
    return result.normalized.lower()


def recipient_language(person) -> str:
    """The language to write to `person` in: their own choice (`language` of a user or a
    patient), else the clinic's default language."""
    return getattr(person, "language", None) or current_app.config["BABEL_DEFAULT_LOCALE"]


@contextmanager
def written_for(person) -> Iterator[None]:
    """Render what `person` will read (an e-mail, a message to hand over) in their language,
    whatever the language of the page or of the staff member who sends it."""
    with force_locale(recipient_language(person)):
        yield
