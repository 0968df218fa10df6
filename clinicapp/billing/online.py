"""Paying online through the acquiring gateway (Sberbank, or the sandbox without one).

A payment under way is a `pending` payment holding its amount on the invoice; it settles
only on the bank's word: its callback (checked by checksum), a client's confirm or
reconcile-payments all ask the bank for the order's state (`sync_payment`) and apply it
(`settle`). Online refunds go to the bank and settle the same way.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from ..audit.services import record
from ..core.errors import DomainError, ValidationFailed
from ..core.models import utcnow
from ..core.money import format_money
from ..core.signals import payment_completed, payment_refunded, send
from ..extensions import db
from .invoices import lock
from .models import Invoice, Payment, Refund
from .payments import check_payable, credit, debit, online_payment_offered, record_payment
from .providers import current_gateway, gateway_for, online_payments_configured
from .providers.base import GatewayError, OrderState, ReceiptLine


class OnlinePaymentOff(DomainError):
    """Neither the bank's credentials nor the sandbox: this install takes no online money."""

    status_code = 503
    code = "online_payment_unavailable"


class GatewayUnavailable(DomainError):
    """The bank did not answer or refused: nothing was written."""

    status_code = 502
    code = "payment_gateway_error"


def pending_online(invoice: Invoice) -> Payment | None:
    return db.session.scalar(select(Payment).where(
        Payment.invoice_id == invoice.id, Payment.method == "online",
        Payment.status == "pending").order_by(Payment.id.desc()).limit(1))


def start_online_payment(actor, invoice: Invoice, amount: Decimal, *, return_url: str,
                         fail_url: str, callback_url: str) -> Payment:
    """Register an order with the bank for what is due and hold it as a pending payment.

    A payment already under way for the invoice is returned as it is (the same page, no
    second order), unless the bank says it failed meanwhile. `amount` must equal what is
    due (ValidationFailed naming it). Only roubles are paid online.
    """
    if not online_payments_configured():
        raise OnlinePaymentOff(_("Онлайн-оплата не подключена: оплатить можно в клинике"))
    invoice = lock(invoice)
    if not online_payment_offered(invoice.currency):
        raise ValidationFailed(_("Онлайн-оплата принимается только в рублях, а счёт "
                                 "в %(currency)s", currency=invoice.currency),
                               code="currency_not_supported")
    check_payable(invoice)
    under_way = pending_online(invoice)
    if under_way is not None:
        sync_payment(under_way)
        if under_way.status == "pending":
            return under_way
        invoice = lock(invoice)
    if amount != invoice.due:
        raise ValidationFailed(
            _("amount: к оплате %(due)s", due=format_money(invoice.due, invoice.currency)),
            code="amount_mismatch", details={"amount": [_("К оплате %(due)s", due=format_money(
                invoice.due, invoice.currency))], "amount_due": str(invoice.due)})
    gateway = current_gateway()
    payment = record_payment(actor, invoice, method="online", amount=amount, pending=True,
                             provider=gateway.name)
    try:
        order = gateway.register(
            order_number=f"{invoice.number}-{payment.id}", amount=amount,
            currency=invoice.currency, description=_("Оплата счёта %(number)s",
                                                     number=invoice.number),
            return_url=return_url, fail_url=fail_url, callback_url=callback_url,
            lines=receipt_lines(invoice, amount))
    except GatewayError as error:
        raise GatewayUnavailable(_("Банк не принял заказ: %(reason)s", reason=str(error))) \
            from None
    payment.external_id = order.order_id
    payment.payment_url = order.form_url
    db.session.flush()
    return payment


def receipt_lines(invoice: Invoice, amount: Decimal) -> list[ReceiptLine]:
    """The 54-FZ receipt of this payment: the bank wants its items to add up to the order's
    amount, each at price × quantity. The invoice's lines when they are paid in full and
    carry no discount; else one item, «Оплата по счёту N», for the amount."""
    whole = amount == invoice.total and all(
        line.amount == line.unit_price * line.quantity for line in invoice.lines)
    if whole:
        return [ReceiptLine(name=line.name, quantity=Decimal(line.quantity),
                            unit_price=line.unit_price, amount=line.amount,
                            code=line.code or str(line.service_id or line.position + 1))
                for line in invoice.lines]
    return [ReceiptLine(name=_("Оплата по счёту %(number)s", number=invoice.number),
                        quantity=Decimal(1), unit_price=amount, amount=amount,
                        code=invoice.number)]


def payment_by_order(order_id: str) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.external_id == order_id))


def sync_payment(payment: Payment, *, actor=None) -> OrderState:
    """Bring an online payment and its refunds in line with what the bank says.

    The bank's word, never the client's: a pending payment succeeds when the order is
    paid (1 or 2) and fails when it was declined or reversed (3, 6); refunds under way
    succeed as far as the bank has refunded. Idempotent: asking twice changes nothing.
    """
    try:
        state = gateway_for(payment.provider).status(payment.external_id)
    except GatewayError as error:
        raise GatewayUnavailable(_("Банк не ответил: %(reason)s", reason=str(error))) from None
    settle(payment, state, actor=actor)
    return state


def settle(payment: Payment, state: OrderState, *, actor=None) -> None:
    """Apply the bank's order state to the payment (under the invoice's lock)."""
    invoice = lock(payment.invoice)
    db.session.refresh(payment, with_for_update=True)
    if payment.status == "pending" and (state.paid or state.failed):
        invoice.pending -= payment.amount
        payment.settled_at = utcnow()
        if state.paid:
            payment.status = "succeeded"
            credit(invoice, payment.amount)
        else:
            payment.status = "failed"
            payment.failure_reason = _order_failure(state)
        db.session.flush()
        record(actor, "billing.payment_settled", payment,
               {"invoice": invoice.number, "status": payment.status,
                "order_status": state.order_status})
        if payment.status == "succeeded":
            send(payment_completed, payment=payment, invoice=invoice, actor=actor)
    _settle_refunds(payment, invoice, state.refunded, actor)


def _order_failure(state: OrderState) -> str:
    if state.order_status == 3:
        return "reversed"
    return "declined" if state.error_code in ("0", "") else f"declined:{state.error_code}"


def _settle_refunds(payment: Payment, invoice: Invoice, bank_refunded: Decimal, actor) -> None:
    """Refunds under way succeed, oldest first, as far as the bank has refunded."""
    for refund in payment.refunds:
        if refund.status != "pending" or payment.refunded + refund.amount > bank_refunded:
            continue
        refund.status = "succeeded"
        refund.settled_at = utcnow()
        debit(payment, invoice, refund)
        db.session.flush()
        record(actor, "billing.refund_settled", refund, {"payment": payment.id,
                                                          "amount": str(refund.amount)})
        send(payment_refunded, refund=refund, payment=payment, invoice=invoice, actor=actor)


def stale_pending(older_than_minutes: int) -> list[Payment]:
    """Online payments still pending, or with a refund still pending, for so many minutes."""
    cutoff = utcnow() - timedelta(minutes=older_than_minutes)
    refund_waiting = select(Refund.payment_id).where(Refund.status == "pending",
                                                     Refund.created_at <= cutoff)
    return list(db.session.scalars(
        select(Payment).where(
            Payment.external_id.is_not(None),
            or_(and_(Payment.status == "pending", Payment.created_at <= cutoff),
                Payment.id.in_(refund_waiting)))
        .order_by(Payment.id)))


def ask_bank_refund(payment: Payment, amount: Decimal) -> None:
    """refund.do for an online payment; the refund settles on the bank's callback."""
    try:
        gateway_for(payment.provider).refund(payment.external_id, amount)
    except GatewayError as error:
        raise GatewayUnavailable(_("Банк не принял возврат: %(reason)s",
                                   reason=str(error))) from None
