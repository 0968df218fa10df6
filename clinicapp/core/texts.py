"""Words many features say alike about a field, in the reader's language (the API's:
Russian). Called when the message is made, so each request gets its own language."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext


def required() -> str:
    return _("Обязательное поле")


def too_long(limit: int) -> str:
    return ngettext("Не длиннее %(num)d символа", "Не длиннее %(num)d символов", limit)
