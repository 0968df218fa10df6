"""The interface language: which one a request is answered in, and the languages offered.

Source strings are Russian (the msgids); `translations/<code>/LC_MESSAGES/messages.po`
hold the catalogues. Adding a language (Kazakh, Uzbek) is a catalogue plus its code in
`BABEL_SUPPORTED_LOCALES`: nothing here changes.
"""
from __future__ import annotations

from babel import Locale
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from ..extensions import babel


def supported() -> tuple[str, ...]:
    """The codes the interface is translated into, the default first."""
    return tuple(current_app.config["BABEL_SUPPORTED_LOCALES"])


def language_name(code: str) -> str:
    """A language as its speakers write it («Русский», «English», «Қазақ тілі»): whoever
    cannot read the current page still finds their own."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def choices() -> list[tuple[str, str]]:
    """(code, name in itself) of every supported language, for switches and forms."""
    return [(code, language_name(code)) for code in supported()]


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


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def languages():
        return {"interface_languages": choices(), "interface_language": str(get_locale())}
