"""The sandbox's «bank page»: a card form for an order of the sandbox gateway.

It stands for the bank's payment page, so it needs no sign-in (the payer may be a
patient on a phone); the order id (a UUID) in the URL is the capability, as at the bank.
«Оплатить» / «Отказаться» post with a CSRF token, settle the order, queue the signed
callback (after the commit) and send the browser to the order's returnUrl / failUrl with
`orderId`, as the bank does.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, abort, redirect, render_template, url_for

from ..extensions import db
from .providers import sandbox, sandbox_in_use
from .providers.base import DEPOSITED

bp = Blueprint("billing_sandbox", __name__, url_prefix="/payment/sandbox")


@bp.before_request
def _only_while_the_sandbox_answers():
    """With the bank's credentials, or PAYMENT_SANDBOX off, there is no sandbox page."""
    if not sandbox_in_use():
        abort(404)


@bp.get("/<order_id>")
def form(order_id: str):
    """The card form for an open order; the result for a settled (or timed-out) one."""
    order = db.session.get(sandbox.SandboxOrder, order_id) or abort(404)
    status = order.shown_status()
    return render_template("billing/sandbox_form.html", order=order, status=status,
                           timed_out=order.timed_out(),
                           onward=_onward(order, status))


@bp.post("/<order_id>/pay")
def pay(order_id: str):
    return _settle(order_id, pay=True)


@bp.post("/<order_id>/decline")
def decline(order_id: str):
    return _settle(order_id, pay=False)


def _settle(order_id: str, *, pay: bool):
    order = sandbox.lock(order_id) or abort(404)
    settled_now = sandbox.settle(order, pay=pay)
    db.session.commit()  # the callback goes out after this
    if settled_now or order.timed_out():
        return redirect(_onward(order, order.status))
    # Settled before (a second click, another tab): the page shows the result.
    return redirect(url_for(".form", order_id=order.id))


def _onward(order: sandbox.SandboxOrder, status: int) -> str:
    """Where the bank sends the browser after the page: returnUrl when paid, else
    failUrl, with `orderId` added to its query."""
    url = order.return_url if status == DEPOSITED else order.fail_url
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("orderId", order.id)]
    return urlunsplit(parts._replace(query=urlencode(query)))
