"""Showing a service's domain error on a page form."""
from __future__ import annotations

from typing import Callable

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
