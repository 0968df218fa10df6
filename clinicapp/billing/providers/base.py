"""The acquiring gateway's interface: what billing asks of a bank, whichever bank it is.

Billing registers an order, asks for its state and refunds through a `Gateway`
(`providers.current_gateway()`); the Sberbank client and the sandbox both implement it,
and nothing else in the app knows which one answers (ARCHITECTURE.md §8).

Amounts are `Decimal` in currency units here; a gateway turns them into the bank's minor
units itself (`to_minor_units`), exactly.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

# ISO 4217: the bank's acquiring takes roubles only, sent as the numeric code.
CURRENCY_CODES = {"RUB": "643"}

# orderStatus of getOrderStatusExtended.do
REGISTERED, PRE_AUTHORIZED, DEPOSITED, REVERSED, REFUNDED, ACS, DECLINED = range(7)


class GatewayError(Exception):
    """The bank is unreachable or refused; `str(error)` is safe to show to a person.

    `code` is the bank's errorCode when it gave one (None for a network failure).
    """

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ReceiptLine:
    """One position of the 54-FZ receipt (the bank's orderBundle cartItems)."""

    name: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    code: str


@dataclass(frozen=True)
class Registered:
    """A registered order: the bank's id and the page where the payer enters the card."""

    order_id: str
    form_url: str


@dataclass(frozen=True)
class OrderState:
    """What the bank knows of an order (getOrderStatusExtended.do)."""

    order_status: int | None  # 0 registered, 1 pre-authorized, 2 paid, 3 reversed,
    #                           4 refunded, 5 ACS, 6 declined; None: the bank has no such order
    amount: Decimal  # in currency units
    refunded: Decimal  # refunded so far, in currency units
    order_number: str
    error_code: str  # "0" when fine

    @property
    def paid(self) -> bool:
        """Money is held or charged (a partly refunded order stays paid)."""
        return self.order_status in (PRE_AUTHORIZED, DEPOSITED)

    @property
    def failed(self) -> bool:
        """Final, and nothing is charged: reversed or declined (a timeout included)."""
        return self.order_status in (REVERSED, DECLINED)


class Gateway(ABC):
    """An acquiring bank, as billing sees it."""

    name: str  # "sber" | "sandbox": stored with the payment as its provider

    @abstractmethod
    def register(self, *, order_number: str, amount: Decimal, currency: str,
                 description: str, return_url: str, fail_url: str, callback_url: str,
                 lines: list[ReceiptLine]) -> Registered:
        """Register an order for `amount` (currency units, ISO 4217 alpha `currency`).

        `order_number` must be unique per attempt: the bank refuses a number it has seen.
        The bank notifies `callback_url` of the outcome and sends the payer's browser to
        `return_url` or `fail_url` (with `?orderId=`). Raises GatewayError (a currency
        the bank does not take, a refusal, the bank unreachable).
        """

    @abstractmethod
    def status(self, order_id: str) -> OrderState:
        """The order's current state; `order_status` None when the bank does not know it.

        Raises GatewayError when the bank cannot be asked or refuses to answer.
        """

    @abstractmethod
    def refund(self, order_id: str, amount: Decimal) -> None:
        """Return `amount` (currency units) of a paid order to the card.

        Raises GatewayError when the bank refuses (more than paid and not yet refunded,
        an order not paid) or cannot be reached. The outcome also comes as a callback.
        """


def currency_code(currency: str) -> str:
    """The bank's numeric code for an ISO 4217 alpha currency; GatewayError for any
    currency the acquiring does not take (only roubles)."""
    code = CURRENCY_CODES.get((currency or "").upper())
    if code is None:
        raise GatewayError(_("Онлайн-оплата доступна только в рублях (валюта %(currency)s не "
                             "поддерживается).", currency=currency))
    return code


def to_minor_units(amount: Decimal) -> int:
    """1500.50 → 150050: exact, never through float. ValueError for a fraction of a kopeck
    (money is NUMERIC(12, 2): a third decimal is a bug of the caller)."""
    minor = Decimal(amount) * 100
    if minor != minor.to_integral_value():
        raise ValueError(f"amount {amount} has a fraction of the minor unit")
    return int(minor)


def from_minor_units(value) -> Decimal:
    """150050 (an int, or the digits as text) → Decimal("1500.50")."""
    return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


def require_positive(amount: Decimal) -> None:
    if Decimal(amount) <= 0:
        raise GatewayError(_("Сумма должна быть больше нуля."))
