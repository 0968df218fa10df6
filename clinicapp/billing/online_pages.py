"""Where the bank's payment page sends the payer back (returnUrl and failUrl).

No sign-in: a patient paying from the app arrives in a browser of their own. The bank
appends `orderId`; the page asks the bank how the order stands (settling the payment if
the callback has not come yet) and says whether the money went through, naming only the
invoice number and the amount.
"""
from __future__ import annotations

from flask import render_template, request

from ..core.errors import DomainError
from ..extensions import db
from . import bp
from .online import payment_by_order, sync_payment


@bp.route("/payment/return")
def payment_return():
    """«Оплата прошла» / «не прошла» / «ещё проверяется» for the order in `orderId`."""
    payment = payment_by_order(request.args.get("orderId", "")[:64])
    if payment is None:
        return render_template("billing/payment_return.html", payment=None), 404
    try:
        sync_payment(payment)
        db.session.commit()
    except DomainError:  # the bank is silent: say it is being checked
        db.session.rollback()
    return render_template("billing/payment_return.html", payment=payment,
                           invoice=payment.invoice)
