"""The sandbox gateway: the bank's semantics without a bank, for `make run` and the tests.

Orders live in `sandbox_orders`; the «bank page» is billing_sandbox.form (a card form
with «Оплатить» / «Отказаться», sandbox_views.py). Like the bank, the sandbox:
- refuses a currency other than roubles and an order number it has seen;
- answers 6 (declined) for an order still unpaid after SBER_ORDER_TIMEOUT_MINUTES;
- refunds at most what was paid and not yet refunded (a full refund: status 4);
- notifies the order's callback URL of each operation with a signed GET
  (`mdOrder`, `orderNumber`, `operation`, `status`, `checksum`), after the commit and
  from a daemon thread, unless PAYMENT_SANDBOX_CALLBACKS is off (a lost callback).
"""
from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import requests
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import CheckConstraint, DateTime, Numeric, SmallInteger, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from ...core.after_commit import after_commit
from ...core.models import utcnow
from ...core.money import format_money
from ...extensions import db
from ..checksum import sign
from .base import (
    DECLINED,
    DEPOSITED,
    REFUNDED,
    REGISTERED,
    Gateway,
    GatewayError,
    OrderState,
    ReceiptLine,
    Registered,
    currency_code,
    require_positive,
    to_minor_units,
)

log = logging.getLogger("clinicapp.billing.sandbox")

CALLBACK_TIMEOUT = (5, 10)  # connect, read (seconds): a slow receiver never holds a page
# Callback operations, as the bank names them.
DEPOSITED_OP, DECLINED_BY_TIMEOUT_OP, REFUNDED_OP = "deposited", "declinedByTimeout", "refunded"


class SandboxOrder(db.Model):
    """An order registered with the sandbox gateway (its «bank side»)."""

    __tablename__ = "sandbox_orders"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("refunded >= 0 AND refunded <= amount", name="refunded_within_amount"),
        CheckConstraint("status BETWEEN 0 AND 6", name="status_known"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    order_number: Mapped[str] = mapped_column(String(64), unique=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    refunded: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"),
                                              server_default="0")
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    return_url: Mapped[str] = mapped_column(Text)
    fail_url: Mapped[str] = mapped_column(Text)
    callback_url: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(SmallInteger, default=REGISTERED, server_default="0")
    # Python's clock (as the timeout check's), UTC; the database's when written by hand.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 server_default=func.now())
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def deadline(self) -> datetime:
        """When an unpaid order is declined by timeout, as the bank does."""
        minutes = current_app.config["SBER_ORDER_TIMEOUT_MINUTES"]
        return self.created_at + timedelta(minutes=minutes)

    def timed_out(self, now: datetime | None = None) -> bool:
        """Unpaid past the deadline (still 0 here, or already declined by the timeout)."""
        if self.status == REGISTERED:
            return (now or utcnow()) >= self.deadline()
        return (self.status == DECLINED and self.settled_at is not None
                and self.settled_at >= self.deadline())

    def shown_status(self, now: datetime | None = None) -> int:
        """The status the bank would answer now (the timeout applied, nothing written)."""
        return DECLINED if self.status == REGISTERED and self.timed_out(now) else self.status


class SandboxGateway(Gateway):
    """The Gateway over `sandbox_orders`; it flushes, the request commits."""

    name = "sandbox"

    def register(self, *, order_number: str, amount: Decimal, currency: str,
                 description: str, return_url: str, fail_url: str, callback_url: str,
                 lines: list[ReceiptLine]) -> Registered:
        currency_code(currency)
        require_positive(amount)
        to_minor_units(amount)  # a fraction of a kopeck is the caller's bug, as with the bank
        # As the bank: the receipt's items add up to the order, each at price × quantity.
        if lines and (sum((line.amount for line in lines), Decimal(0)) != Decimal(amount)
                      or any(line.amount != line.unit_price * line.quantity
                             for line in lines)):
            raise GatewayError(_("Сумма позиций чека не равна сумме заказа."), code="5")
        taken = db.session.scalar(db.select(SandboxOrder.id)
                                  .where(SandboxOrder.order_number == order_number))
        if taken is not None:
            raise GatewayError(_("Заказ с таким номером уже зарегистрирован."), code="1")
        order = SandboxOrder(order_number=order_number, amount=Decimal(amount),
                             currency=currency.upper(), description=description,
                             return_url=return_url, fail_url=fail_url,
                             callback_url=callback_url)
        db.session.add(order)
        db.session.flush()
        return Registered(order_id=order.id,
                          form_url=url_for("billing_sandbox.form", order_id=order.id,
                                           _external=True))

    def status(self, order_id: str) -> OrderState:
        # A read, as at the bank: the row is locked only to decline an order that timed out
        # (billing asks under the invoice's lock, and the pay and refund paths lock the order
        # first: a lock taken on every read could meet them in the other order).
        order = db.session.get(SandboxOrder, order_id)
        if order is None:
            return OrderState(order_status=None, amount=Decimal("0.00"),
                              refunded=Decimal("0.00"), order_number="", error_code="6")
        if order.status == REGISTERED and order.timed_out():
            order = db.session.get(SandboxOrder, order_id, with_for_update=True,
                                   populate_existing=True)
            expire(order)
        return OrderState(order_status=order.status, amount=order.amount,
                          refunded=order.refunded, order_number=order.order_number,
                          error_code="0")

    def refund(self, order_id: str, amount: Decimal) -> None:
        require_positive(amount)
        to_minor_units(amount)
        order = db.session.get(SandboxOrder, order_id, with_for_update=True)
        if order is None:
            raise GatewayError(_("Заказ не найден в банке."), code="6")
        expire(order)
        if order.status not in (DEPOSITED, REFUNDED):
            raise GatewayError(_("Заказ не оплачен: возвращать нечего."), code="7")
        left = order.amount - order.refunded
        if Decimal(amount) > left:
            raise GatewayError(_("Сумма возврата больше оплаченной (можно вернуть не больше "
                                 "%(left)s).", left=format_money(left)), code="7")
        order.refunded += Decimal(amount)
        if order.refunded == order.amount:
            order.status = REFUNDED
        db.session.flush()
        notify(order, REFUNDED_OP, success=True)


def lock(order_id: str) -> SandboxOrder | None:
    """The order, its row locked for this transaction (None: no such order)."""
    return db.session.get(SandboxOrder, order_id, with_for_update=True)


def expire(order: SandboxOrder) -> bool:
    """Decline an unpaid order past its deadline, as the bank does; whether it did.

    No callback: whoever finds the timeout (a status poll, the payer's late click)
    learns it from the answer.
    """
    if order.status != REGISTERED or not order.timed_out():
        return False
    order.status, order.settled_at = DECLINED, utcnow()
    db.session.flush()
    return True


def settle(order: SandboxOrder, *, pay: bool) -> bool:
    """The payer's choice on the bank page (the order locked by `lock`): paid (2) or
    declined (6), and the callback queued. False when the order was settled before
    (nothing changes) or has just timed out (declined, with its callback)."""
    if order.status != REGISTERED:
        return False
    if expire(order):
        notify(order, DECLINED_BY_TIMEOUT_OP, success=True)
        return False
    order.status, order.settled_at = (DEPOSITED if pay else DECLINED), utcnow()
    db.session.flush()
    notify(order, DEPOSITED_OP, success=pay)
    return True


def callback_params(order: SandboxOrder, operation: str, *, success: bool) -> dict[str, str]:
    """The bank's notification of `operation` on `order`, signed with SBER_CALLBACK_KEY.
    `status` is whether the operation succeeded: a declined payment is
    `operation=deposited&status=0`; a timeout is `operation=declinedByTimeout&status=1`."""
    params = {"mdOrder": order.id, "orderNumber": order.order_number,
              "operation": operation, "status": "1" if success else "0"}
    params["checksum"] = sign(params, current_app.config["SBER_CALLBACK_KEY"])
    return params


def notify(order: SandboxOrder, operation: str, *, success: bool) -> None:
    """Send the callback once this transaction commits (never for rolled-back work),
    unless PAYMENT_SANDBOX_CALLBACKS is off."""
    if not current_app.config.get("PAYMENT_SANDBOX_CALLBACKS", True):
        return
    url, params = order.callback_url, callback_params(order, operation, success=success)
    after_commit(lambda: threading.Thread(target=deliver, args=(url, params), daemon=True,
                                          name="sandbox-callback").start())


def deliver(url: str, params: dict[str, str]) -> bool:
    """GET the callback; whether the receiver took it (2xx). A failure is logged with the
    order's id and operation only (the URL and order number stay out of the log)."""
    facts = {"order_id": params.get("mdOrder"), "operation": params.get("operation")}
    try:
        response = requests.get(url, params=params, timeout=CALLBACK_TIMEOUT)
    except requests.RequestException as exc:
        log.warning("sandbox callback not delivered",
                    extra={**facts, "error": type(exc).__name__})
        return False
    if not response.ok:
        log.warning("sandbox callback refused", extra={**facts, "status": response.status_code})
        return False
    return True
