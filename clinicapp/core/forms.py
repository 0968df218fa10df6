"""Page forms and the refusals shown on them: under the fields they name, or above the form.

`core.actions.perform` validates a form and puts a service's refusal on it with these.
"""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import LazyString
from flask_babel import gettext as _
from wtforms.validators import Length

from .errors import DomainError, ValidationFailed
from .texts import too_long


class FormInvalid(ValidationFailed):
    """A sent form that did not validate: its messages are already under its fields."""

    code = "invalid_form"


def max_length(limit: int) -> Length:
    """Length(max=limit) whose message («Не длиннее 100 символов») is in the reader's language."""
    return Length(max=limit, message=LazyString(too_long, limit))


def form_refusal(form) -> FormInvalid:
    """The form's own errors as a refusal: `field: message; …`, details by field."""
    errors = {name: messages for name, messages in form.errors.items() if messages}
    summary = "; ".join(f"{name}: {messages[0]}" if name else str(messages[0])
                        for name, messages in errors.items())
    return FormInvalid(summary or _("Проверьте поля формы"),
                       details={name or "form": list(messages)
                                for name, messages in errors.items()})


def show_errors(form, error: DomainError, field_name: Callable[[str], str] = str) -> None:
    """Put the error's messages under the form's fields, the rest above the form.

    `field_name` maps a service's field name to the form's (e.g. `opening_hours.mon`
    → `hours_mon`). With no field named at all, the error's summary is shown.
    """
    shown = False
    for name, messages in error.details.items():
        texts = list(messages) if isinstance(messages, list) else [str(messages)]
        field = getattr(form, field_name(name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + texts
            shown = True
    if not shown:
        form.form_errors.append(error.detail)


def detail_under(field: str) -> Callable[[object, DomainError], None]:
    """A way to show a refusal for forms around one secret (a password, a code): the
    error's whole message under that field, whatever fields the service names."""

    def show(form, error: DomainError) -> None:
        form[field].errors = list(form[field].errors) + [error.detail]

    return show


def form_status(form) -> int:
    """400 when the form carries errors (the page shows them; a refusal too), else 200."""
    return 400 if form.errors or form.form_errors else 200
