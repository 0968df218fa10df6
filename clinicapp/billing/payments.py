"""Money in and out of an invoice: payments at the desk, online payments, refunds.

Every change takes the invoice's row lock first and checks what is due under it; the
database's check constraints (paid within the total, pending within what is due,
refunds within the payment) hold even if a check here were wrong. `record_payment` is
the one way money comes in, whatever the method: the desk calls it for cash and card,
online payments settle through it, and loyalty calls it for points and certificates.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from ..audit.services import record
from ..core.errors import Conflict, ValidationFailed, field_error
from ..core.models import utcnow
from ..core.money import format_money
from ..core.signals import payment_completed, payment_refunded, send
from ..extensions import db
from .invoices import CENT, lock, settle_status
from .models import PAYMENT_METHODS, Invoice, Payment, Refund

MAX_REASON = 255


# Sberbank acquiring takes roubles only (currency 643).
ONLINE_CURRENCIES = ("RUB",)


def online_payment_offered(currency: str) -> bool:
    """Whether patients may pay online in this currency (the pages hide the button else)."""
    return currency in ONLINE_CURRENCIES


def _check_shape(amount: Decimal, field: str = "amount") -> None:
    """More than zero, whole kopecks."""
    if amount <= 0 or amount != amount.quantize(CENT):
        raise field_error(field, _("Сумма — больше нуля, с точностью до копеек"))


def _check_amount(amount: Decimal, invoice: Invoice, field: str = "amount") -> None:
    _check_shape(amount, field)
    if amount > invoice.due:
        raise ValidationFailed(
            _("%(field)s: сумма %(amount)s больше остатка к оплате %(due)s", field=field,
              amount=format_money(amount, invoice.currency),
              due=format_money(invoice.due, invoice.currency)),
            code="overpayment", details={field: [_("К оплате %(due)s", due=format_money(
                invoice.due, invoice.currency))], "amount_due": str(invoice.due)})


def check_payable(invoice: Invoice) -> None:
    if invoice.status == "draft":
        raise Conflict(_("Счёт %(number)s ещё не выставлен", number=invoice.number),
                       code="invoice_not_issued")
    if invoice.status == "cancelled":
        raise Conflict(_("Счёт %(number)s отменён", number=invoice.number),
                       code="invoice_cancelled")


def record_payment(actor, invoice: Invoice, *, method: str, amount: Decimal,
                   tendered: Decimal | None = None, reference: str | None = None,
                   pending: bool = False, provider: str | None = None) -> Payment:
    """Take `amount` for the invoice by `method` (cash, card, online, certificate, points).

    Refuses more than is due (ValidationFailed `overpayment`, naming the amount due), a
    draft or cancelled invoice (Conflict), cash `tendered` below the amount. A succeeded
    payment updates the invoice's paid sum and status and sends `payment_completed`; a
    `pending` one (online) only holds its amount until it settles.
    """
    if method not in PAYMENT_METHODS:
        raise field_error("method", _("Способ оплаты: %(methods)s",
                                      methods=", ".join(PAYMENT_METHODS)))
    invoice = lock(invoice)
    check_payable(invoice)
    _check_amount(amount, invoice)
    if tendered is not None and (method != "cash" or tendered < amount):
        raise field_error("tendered", _("Получено наличными меньше суммы оплаты"))
    payment = Payment(invoice=invoice, method=method, amount=amount, tendered=tendered,
                      reference=reference, taken_by_id=getattr(actor, "id", None),
                      provider=provider, status="pending" if pending else "succeeded")
    db.session.add(payment)
    if pending:
        invoice.pending += amount
    else:
        payment.settled_at = utcnow()
        credit(invoice, amount)
    db.session.flush()
    record(actor, "billing.payment_recorded", payment,
           {"invoice": invoice.number, "method": method, "amount": str(amount),
            "status": payment.status})
    if not pending:
        send(payment_completed, payment=payment, invoice=invoice, actor=actor)
    return payment


def credit(invoice: Invoice, amount: Decimal) -> None:
    invoice.paid += amount
    settle_status(invoice)


def debit(payment: Payment, invoice: Invoice, refund: Refund) -> None:
    """Money went back: off the payment and the invoice's paid sum; a written-off refund
    also off what is owed."""
    payment.refunded += refund.amount
    if payment.refunded == payment.amount:
        payment.status = "refunded"
    invoice.paid -= refund.amount
    invoice.refunded += refund.amount
    if refund.written_off:
        invoice.written_off += refund.amount
    settle_status(invoice)


# --- refunds -------------------------------------------------------------------------

def refund_payment(actor, payment: Payment, amount: Decimal, reason: str) -> Refund:
    """Return `amount` of a succeeded payment, with a reason (audited).

    Cash, card, points and certificates are returned at once (`payment_refunded` is sent);
    an online payment asks the bank (`refund.do`) and the refund stays pending until the
    bank's callback or reconcile-payments confirms it. More than may still be returned →
    ValidationFailed naming the most.
    """
    invoice = lock(payment.invoice)
    db.session.refresh(payment, with_for_update=True)
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("Укажите причину возврата"))
    if len(reason) > MAX_REASON:
        raise field_error("reason", _("Причина — не длиннее %(max)d символов", max=MAX_REASON))
    if payment.status not in ("succeeded", "refunded"):
        raise Conflict(_("Вернуть можно только прошедшую оплату"), code="payment_not_succeeded")
    _check_shape(amount)
    if amount > payment.refundable:
        raise ValidationFailed(
            _("amount: вернуть можно не больше %(most)s",
              most=format_money(payment.refundable, invoice.currency)),
            code="refund_too_large", details={"amount": [_("Не больше %(most)s", most=format_money(
                payment.refundable, invoice.currency))], "refundable": str(payment.refundable)})
    online = payment.external_id is not None
    # A settled invoice's refund is a discount after the fact; one of an invoice still
    # being paid gives a mistaken payment back, and the money is due again.
    refund = Refund(payment=payment, amount=amount, reason=reason,
                    status="pending" if online else "succeeded",
                    written_off=invoice.status == "paid",
                    created_by_id=getattr(actor, "id", None))
    db.session.add(refund)
    if not online:
        refund.settled_at = utcnow()
        debit(payment, invoice, refund)
    db.session.flush()
    record(actor, "billing.refund_created", refund,
           {"payment": payment.id, "invoice": invoice.number, "method": payment.method,
            "amount": str(amount), "reason": reason, "status": refund.status})
    if online:
        from .online import ask_bank_refund  # online imports this module

        ask_bank_refund(payment, amount)
    else:
        send(payment_refunded, refund=refund, payment=payment, invoice=invoice, actor=actor)
    return refund

