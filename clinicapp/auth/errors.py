"""Sign-in errors, and the bookkeeping a failed sign-in leaves behind.

A failed attempt must be remembered (the failure counter, a lockout, a token
family revoked after reuse) while everything else the request did is undone.
So a service does not write that bookkeeping itself: it attaches it to the
error as a callable, and the error handlers (core.http.settle_failure) roll
the request back and then run the callable in a transaction of its own.
"""
from __future__ import annotations

from collections.abc import Callable

from ..core.errors import DomainError

Bookkeeping = Callable[[], None]


class SignInError(DomainError):
    """A failed sign-in or token use.

    `bookkeeping`, when set, records what the failure must leave behind; it
    runs after the rollback and may raise the error to report instead (the
    failure that locks the account answers AccountLocked).
    """

    bookkeeping: Bookkeeping | None = None

    def with_bookkeeping(self, bookkeeping: Bookkeeping) -> SignInError:
        self.bookkeeping = bookkeeping
        return self


class LoginFailed(SignInError):
    """Wrong credentials or code (the attempt counts towards lockout)."""

    status_code = 401
    code = "invalid_credentials"


class AccountLocked(SignInError):
    status_code = 403
    code = "account_locked"


class TokenInvalid(SignInError):
    status_code = 401
    code = "token_invalid"
