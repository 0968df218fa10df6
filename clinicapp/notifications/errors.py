"""How a channel says a message did not go out, and addresses made safe for logs.

Both errors are raised from an outbox handler, so the outbox retries either (it knows no
difference); the class and the message tell whoever reads the dead letter on
/admin/outbox whether waiting can help: `DeliveryRefused` (a bad address, a number the
provider will not serve, a rejected login) will fail the same way every time,
`DeliveryFailed` (no connection, a 4xx/5xx "try later") may pass on the next attempt.
Messages never hold a full address: `mask_address` keeps just enough to recognise it.
"""
from __future__ import annotations


class DeliveryFailed(Exception):
    """The target could not be reached or asked to try later: a retry may succeed."""


class DeliveryRefused(Exception):
    """The target refused the message itself: retrying will not help until someone fixes
    the address or the settings."""


def mask_address(address: str | None) -> str:
    """`i***@example.com`, `+7******0602`: recognisable to whoever knows it, useless to a
    log reader who does not."""
    if not address:
        return "—"
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = address.lstrip("+")
    prefix = "+" if address.startswith("+") else ""
    return prefix + digits[:1] + "*" * max(len(digits) - 5, 1) + digits[-4:]
