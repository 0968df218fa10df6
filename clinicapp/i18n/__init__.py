"""The interface language: which one a request is answered in, and a person's choice.

Source strings are Russian (the msgids); `translations/<code>/LC_MESSAGES/messages.po`
hold the catalogues. Adding a language (Kazakh, Uzbek) is a catalogue plus its code in
`BABEL_SUPPORTED_LOCALES`: nothing here changes.
"""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..audit.services import record
from ..core.errors import DomainError
from ..extensions import babel

# Each language named in itself: the switch must be readable whatever the page's language.
ENDONYMS = {"ru": "Русский", "en": "English", "kk": "Қазақша", "uz": "Oʻzbekcha"}


def supported() -> tuple[str, ...]:
    """The codes the interface is translated into, the default first."""
    return tuple(current_app.config["BABEL_SUPPORTED_LOCALES"])


def choices() -> list[tuple[str, str]]:
    """(code, endonym) of every supported language, for switches and forms."""
    return [(code, ENDONYMS.get(code, code)) for code in supported()]


def select_locale() -> str:
    """The language of this request.

    The JSON API answers in the documents' language (Russian) whatever the device says:
    its messages are part of the contract. A page follows the signed-in person's choice,
    then a choice made before signing in, then the browser's Accept-Language.
    """
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context() or request.path.startswith("/api/"):
        return default
    codes = supported()
    for chosen in (_user_language(), session.get("locale")):
        if chosen in codes:
            return chosen
    return request.accept_languages.best_match(codes) or default


def _user_language() -> str | None:
    return current_user.language if current_user.is_authenticated else None


def set_language(user, code: str | None, *, actor=None) -> None:
    """Remember `user`'s interface language (None: let the browser decide); audited."""
    if code is not None and code not in supported():
        message = _("Такого языка нет")
        raise DomainError(message, details={"language": message})
    if user.language == code:
        return
    record(actor or user, "user.language", user,
           {"language": [user.language, code]})
    user.language = code


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def languages():
        return {"interface_languages": choices(), "interface_language": str(get_locale())}
