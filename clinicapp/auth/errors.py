"""Sign-in errors; `keep_changes` ones still commit the failure counter."""
from __future__ import annotations

from ..core.errors import DomainError


class LoginFailed(DomainError):
    """Wrong credentials or code. The failed-attempt count must survive the
    error, so the request commits instead of rolling back."""

    status_code = 401
    code = "invalid_credentials"
    keep_changes = True


class AccountLocked(DomainError):
    status_code = 403
    code = "account_locked"
    keep_changes = True


class TokenInvalid(DomainError):
    status_code = 401
    code = "token_invalid"
    keep_changes = True
