"""The invoices pages: the list of the user's branches' invoices (filters, paging), one
invoice with its lines, payments, refunds and history, issuing a draft, cancelling with a
reason, and the printable receipt.

The list is billing.queries.invoices_statement (branch-scoped there) with the page's
filters; a bad filter is a 400 naming it, shown under the field.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import and_, select

from ..core.actions import answer, perform
from ..core.errors import DomainError, ValidationFailed, field_error
from ..core.money import format_money
from ..core.pagination import Page, limit_offset, page_number
from ..core.permissions import acting_user, require_permission
from ..core.routing import parse_id
from ..org.branches import branch_for, switcher_branches
from ..org.clock import branch_zone
from ..patients.models import Patient
from ..patients.queries import search_conditions
from . import bp
from .forms import read_date, read_reason
from .invoices import cancel_invoice, issue_invoice
from .labels import (
    INVOICE_STATUS_BADGES,
    INVOICE_STATUS_LABELS,
    METHOD_LABELS,
    PAYMENT_STATUS_LABELS,
    REFUND_STATUS_LABELS,
)
from .models import INVOICE_STATUSES, PAYMENT_METHODS, Invoice
from .queries import invoice_for, invoices_statement

PAGE_SIZE = 25
MAX_PAGE = 4000


@bp.context_processor
def _labels() -> dict:
    return {"invoice_status_labels": INVOICE_STATUS_LABELS,
            "invoice_status_badges": INVOICE_STATUS_BADGES, "method_labels": METHOD_LABELS,
            "payment_status_labels": PAYMENT_STATUS_LABELS,
            "refund_status_labels": REFUND_STATUS_LABELS}


@dataclass
class Filters:
    """The list's filters as typed (`raw`, to show them again) and as read."""

    raw: dict
    branch_id: int | None = None
    patient_id: int | None = None
    status: str | None = None
    method: str | None = None
    date_from: object = None
    date_to: object = None

    def url(self, **changes) -> str:
        """The list's URL with these filters (and `changes`), empty ones left out."""
        values = {key: value for key, value in {**self.raw, **changes}.items() if value}
        return url_for("billing.invoices", **values)


FILTER_NAMES = ("branch", "patient", "patient_id", "status", "method", "date_from", "date_to",
                "number")


def _filters(user) -> tuple[Filters, dict]:
    """The filters from the query string, and {field: [message]} for the bad ones."""
    args = request.args
    raw = {name: (args.get(name) or "").strip()[:100] for name in FILTER_NAMES}
    filters, errors = Filters(raw), {}

    def read(name, reader):
        try:
            return reader(raw[name])
        except ValidationFailed as error:
            errors.update(error.details)
            return None

    filters.branch_id = read("branch", lambda value: parse_id(value, "branch"))
    if filters.branch_id is not None:
        branch_for(user, filters.branch_id)  # 404 / 403 as the API
    filters.patient_id = read("patient_id", lambda value: parse_id(value, "patient_id"))
    filters.status = read("status", lambda value: _choice(value, "status", INVOICE_STATUSES))
    filters.method = read("method", lambda value: _choice(value, "method", PAYMENT_METHODS))
    filters.date_from = read("date_from", lambda value: read_date(value, "date_from"))
    filters.date_to = read("date_to", lambda value: read_date(value, "date_to"))
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["date_to"] = [_("Конец периода раньше начала")]
    return filters, errors


def _choice(value: str, field: str, allowed: tuple[str, ...]) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise field_error(field, _("Выберите значение из списка"))
    return value


@bp.route("/invoices/")
@login_required
@require_permission("invoices.view")
def invoices():
    """The user's branches' invoices, newest first; filters, paging."""
    user = acting_user()
    filters, errors = _filters(user)
    page = page_number(request.args.get("page"), MAX_PAGE)
    items, total = [], 0
    if not errors:
        statement = invoices_statement(
            user, branch_id=filters.branch_id, patient_id=filters.patient_id,
            status=filters.status, method=filters.method, date_from=filters.date_from,
            date_to=filters.date_to, number=filters.raw["number"] or None)
        by_name = search_conditions(filters.raw["patient"])
        if by_name:
            statement = statement.where(Invoice.patient_id.in_(
                select(Patient.id).where(and_(*by_name))))
        items, total = limit_offset(statement, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return render_template(
        "billing/invoices.html", page=Page(items, page, PAGE_SIZE, total), filters=filters,
        errors=errors, branches=switcher_branches(user), statuses=INVOICE_STATUSES,
        methods=PAYMENT_METHODS, zone_of=lambda invoice: branch_zone(invoice.clinic)), \
        400 if errors else 200


def _who(user) -> str:
    return (user.full_name or user.email) if user is not None else ""


def history(invoice: Invoice) -> list[tuple]:
    """The invoice's events in time order: (when, what, who) — written, issued, each
    payment and refund, paid in full, cancelled."""
    events = [(invoice.created_at, _("Создан"), _who(invoice.created_by))]
    if invoice.issued_at:
        events.append((invoice.issued_at, _("Выставлен"), _who(invoice.issued_by)))
    for payment in invoice.payments:
        amount = format_money(payment.amount, invoice.currency)
        method = METHOD_LABELS.get(payment.method, payment.method)
        if payment.status in ("succeeded", "refunded"):
            events.append((payment.settled_at or payment.created_at,
                           _("Оплата %(amount)s: %(method)s", amount=amount, method=method),
                           _who(payment.taken_by)))
        elif payment.status == "failed":
            events.append((payment.settled_at or payment.created_at,
                           _("Оплата %(amount)s не прошла: %(method)s", amount=amount,
                             method=method), ""))
        for refund in payment.refunds:
            events.append((refund.created_at, _("Возврат %(amount)s (%(status)s): %(reason)s",
                                                amount=format_money(refund.amount,
                                                                    invoice.currency),
                                                status=REFUND_STATUS_LABELS.get(
                                                    refund.status, refund.status),
                                                reason=refund.reason),
                           _who(refund.created_by)))
    if invoice.paid_at:
        events.append((invoice.paid_at, _("Оплачен полностью"), ""))
    if invoice.cancelled_at:
        events.append((invoice.cancelled_at, _("Отменён: %(reason)s",
                                               reason=invoice.cancel_reason or ""),
                       _who(invoice.cancelled_by)))
    return sorted(events, key=lambda event: event[0])


def _detail(invoice: Invoice, status: int = 200, **extra):
    user = acting_user()
    refunds = [(payment, refund) for payment in invoice.payments for refund in payment.refunds]
    refunds.sort(key=lambda pair: pair[1].id)
    context = {"invoice": invoice, "zone": branch_zone(invoice.clinic), "refunds": refunds,
               "history": history(invoice), "errors": {}, "reason": "", "user": user,
               **extra}
    return render_template("billing/invoice.html", **context), status


@bp.route("/invoices/<int:invoice_id>")
@login_required
@require_permission("invoices.view")
def invoice(invoice_id: int):
    """One invoice: lines, payments (who took them, when), refunds (who, why), history."""
    return _detail(invoice_for(acting_user(), invoice_id))


@bp.route("/invoices/<int:invoice_id>/issue", methods=["POST"])
@login_required
@require_permission("invoices.write")
def issue(invoice_id: int):
    """Send a draft to the cash desk."""
    user = acting_user()
    target = invoice_for(user, invoice_id)
    back = url_for("billing.invoice", invoice_id=invoice_id)
    return perform(
        lambda: issue_invoice(user, target),
        on_success=lambda issued: answer(back, _("Счёт %(number)s выставлен на кассу",
                                                 number=issued.number)),
        on_refusal=lambda error: answer(back, error.detail, "error"))


@bp.route("/invoices/<int:invoice_id>/cancel", methods=["POST"])
@login_required
@require_permission("invoices.cancel")
def cancel(invoice_id: int):
    """Cancel an invoice nobody has paid, with a reason (the service audits it)."""
    user = acting_user()
    target = invoice_for(user, invoice_id)
    typed = (request.form.get("reason") or "").strip()
    back = url_for("billing.invoice", invoice_id=invoice_id)

    def refused(error: DomainError):
        fresh = invoice_for(user, invoice_id)
        errors = {key: value for key, value in error.details.items() if key == "reason"}
        return _detail(fresh, error.status_code, errors=errors, reason=typed[:255],
                       cancel_error=None if errors else error.detail)

    return perform(
        lambda: cancel_invoice(user, target, read_reason(typed)),
        on_success=lambda cancelled: answer(back, _("Счёт %(number)s отменён",
                                                    number=cancelled.number)),
        on_refusal=refused)


@bp.route("/invoices/<int:invoice_id>/receipt")
@login_required
@require_permission("invoices.view")
def receipt(invoice_id: int):
    """The printable receipt: requisites, branch, lines, total, payments by method, change."""
    invoice = invoice_for(acting_user(), invoice_id)
    paid = [payment for payment in invoice.payments if payment.status in ("succeeded",
                                                                          "refunded")]
    by_method: dict[str, object] = {}
    for payment in paid:
        by_method[payment.method] = by_method.get(payment.method, 0) + payment.amount
    change = sum((payment.tendered - payment.amount for payment in paid
                  if payment.tendered is not None), 0)
    tendered = sum((payment.tendered for payment in paid if payment.tendered is not None), 0)
    return render_template(
        "billing/receipt.html", invoice=invoice, zone=branch_zone(invoice.clinic),
        organization=invoice.clinic.organization, by_method=by_method, change=change,
        tendered=tendered, moment=invoice.paid_at or (paid[-1].settled_at if paid else None)
        or invoice.issued_at or invoice.created_at)
