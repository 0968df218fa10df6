"""The refund page: one payment, what may still be returned, an amount and a reason.

Cash, card, points and certificates are returned at once; an online payment's refund goes
to the bank (billing.payments.refund_payment asks it) and stays pending until the bank
answers. Managers and administrators only (`payments.refund`).
"""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..core.actions import answer, perform
from ..core.errors import DomainError
from ..core.money import format_money
from ..core.permissions import acting_user, require_permission
from ..org.clock import branch_zone
from . import bp
from .forms import read_amount, read_reason
from .payments import refund_payment
from .queries import payment_for

FORM_FIELDS = ("amount", "reason")


def _page(payment, status: int = 200, *, values=None, errors=None, message=None):
    invoice = payment.invoice
    defaults = {"amount": format_money(payment.refundable) if payment.refundable > 0 else "",
                "reason": ""}
    return render_template(
        "billing/refund.html", payment=payment, invoice=invoice,
        zone=branch_zone(invoice.clinic), values={**defaults, **(values or {})},
        errors=errors or {}, message=message), status


@bp.route("/payments/<int:payment_id>/refund", methods=["GET", "POST"])
@login_required
@require_permission("payments.refund")
def refund(payment_id: int):
    """Return all or part of a payment, with a reason (audited by the service)."""
    user = acting_user()
    payment = payment_for(user, payment_id)
    if request.method == "GET":
        return _page(payment)
    values = {"amount": request.form.get("amount", ""),
              "reason": (request.form.get("reason") or "")[:255]}
    back = url_for("billing.invoice", invoice_id=payment.invoice_id)

    def done(made):
        currency = made.payment.invoice.currency
        if made.status == "pending":
            said = _("Возврат %(amount)s отправлен в банк", amount=format_money(made.amount,
                                                                              currency))
        else:
            said = _("Возврат %(amount)s оформлен", amount=format_money(made.amount, currency))
        return answer(back, said)

    def refused(error: DomainError):
        fresh = payment_for(user, payment_id)
        errors = {field: list(messages) for field, messages in error.details.items()
                  if field in FORM_FIELDS and isinstance(messages, list)}
        if error.code == "refund_too_large":
            errors["amount"] = [_("Вернуть можно не больше %(most)s", most=format_money(
                fresh.refundable, fresh.invoice.currency))]
        return _page(fresh, error.status_code, values=values, errors=errors,
                     message=None if errors else error.detail)

    return perform(
        lambda: refund_payment(user, payment, read_amount(values["amount"], "amount"),
                               read_reason(values["reason"])),
        on_success=done, on_refusal=refused)
