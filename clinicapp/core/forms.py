"""Page forms and the services behind them: a refusal shown on the form, one shape of a save."""
from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect

from ..extensions import db
from .errors import DomainError


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


def save_form(form, action: Callable[[], object], done: Callable[[object], tuple[str, str]],
              field_name: Callable[[str], str] = str):
    """A page form's POST, post → redirect → get: when `form` validates, `action()` (the
    service call), commit, flash `done(result)[0]` and redirect to `done(result)[1]`.

    A DomainError rolls the transaction back and lands on the form (`show_errors`).
    Returns None when the form is to be shown again (not sent, invalid, refused):
    render it with `form_status(form)`.
    """
    if not form.validate_on_submit():
        return None
    try:
        result = action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        show_errors(form, error, field_name)
        return None
    message, url = done(result)
    flash(message, "success")
    return redirect(url)


def form_status(form) -> int:
    """400 when the form carries errors (the page shows them; a refusal too), else 200."""
    return 400 if form.errors or form.form_errors else 200
