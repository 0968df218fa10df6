"""Domain errors raised by services and mapped to HTTP by views and the API.

A service raises one of these with a human message in the reader's language
(`flask_babel.gettext`; the API's requests are always Russian); the API turns it
into `{"detail", "error", "details"}` with the status code, a page turns it into
a flash or a form error.
"""
from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation a user can cause."""

    status_code = 400
    code = "bad_request"

    def __init__(self, detail: str, *, code: str | None = None, details: dict | None = None,
                 status_code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.details = details or {}


class ValidationFailed(DomainError):
    status_code = 400
    code = "validation_error"


class NotAuthenticated(DomainError):
    status_code = 401
    code = "not_authenticated"


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


def field_error(field: str, message: str) -> ValidationFailed:
    """A ValidationFailed about one field: `field: message` and details {field: [message]}."""
    return ValidationFailed(f"{field}: {message[:1].lower()}{message[1:]}",
                            details={field: [message]})
