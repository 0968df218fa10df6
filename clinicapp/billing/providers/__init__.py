"""Acquiring gateways behind one interface (base.Gateway): the Sberbank REST client and
the built-in sandbox. `current_gateway()` is the only place that chooses between them."""
from __future__ import annotations

from flask import current_app

from .base import Gateway, GatewayError, OrderState, ReceiptLine, Registered
from .sandbox import SandboxGateway
from .sber import SberGateway

__all__ = ["Gateway", "GatewayError", "OrderState", "ReceiptLine", "Registered",
           "current_gateway"]


def current_gateway() -> Gateway:
    """The bank when SBER_USERNAME is set (SBER_BASE_URL: its test environment by
    default), else the sandbox gateway."""
    if current_app.config.get("SBER_USERNAME"):
        return SberGateway.from_config(current_app.config)
    return SandboxGateway()
