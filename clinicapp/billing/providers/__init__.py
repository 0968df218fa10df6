"""Acquiring gateways behind one interface (base.Gateway): the Sberbank REST client and
the built-in sandbox. `current_gateway()` is the only place that chooses between them."""
from __future__ import annotations

from flask import current_app

from .base import Gateway, GatewayError, OrderState, ReceiptLine, Registered
from .sandbox import SandboxGateway
from .sber import SberGateway

__all__ = ["Gateway", "GatewayError", "OrderState", "ReceiptLine", "Registered",
           "current_gateway", "gateway_for", "online_payments_configured", "sandbox_in_use"]


def online_payments_configured() -> bool:
    """Whether there is a gateway at all: the bank's credentials, or the sandbox allowed."""
    config = current_app.config
    return bool(config.get("SBER_USERNAME")) or config.get("PAYMENT_SANDBOX", True)


def sandbox_in_use() -> bool:
    """Whether the sandbox answers (no credentials, and PAYMENT_SANDBOX on)."""
    return not current_app.config.get("SBER_USERNAME") and \
        current_app.config.get("PAYMENT_SANDBOX", True)


def current_gateway() -> Gateway:
    """The bank when SBER_USERNAME is set (SBER_BASE_URL: its test environment by
    default), else the sandbox gateway (when PAYMENT_SANDBOX allows it; else GatewayError)."""
    if current_app.config.get("SBER_USERNAME"):
        return SberGateway.from_config(current_app.config)
    if not sandbox_in_use():
        raise GatewayError("Онлайн-оплата не настроена")
    return SandboxGateway()


def gateway_for(provider: str | None) -> Gateway:
    """The gateway a payment was registered with: its order is asked of it (and refunded
    through it) whatever the settings say now. A sandbox payment of a demo install stays
    the sandbox's after the bank's credentials arrive."""
    if provider == SandboxGateway.name:
        return SandboxGateway()
    if provider == SberGateway.name:
        if not current_app.config.get("SBER_USERNAME"):
            raise GatewayError("Нет ключей эквайринга Сбербанка (SBER_USERNAME)")
        return SberGateway.from_config(current_app.config)
    return current_gateway()
