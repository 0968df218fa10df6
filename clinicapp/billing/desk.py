"""The cash desk: the branch's invoices waiting for money, one invoice open beside them,
and its payment form (any registered method, split between methods, change for cash).

Fragments (htmx): the list `#desk-list` (templates/billing/_desk_list.html, the search
and the refresh after a payment fetch it from `billing.desk`) and the open invoice
`#desk-invoice` (_desk_invoice.html, from `billing.desk_invoice`; a payment posted from
it answers with it again). A payment answers with the `desk-paid` event (HX-Trigger),
on which the list reloads itself. Without JavaScript every part is a plain page.
"""
from __future__ import annotations

from decimal import Decimal

from flask import make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..core.actions import answer, perform
from ..core.errors import DomainError, field_error
from ..core.htmx import wants_fragment
from ..core.money import format_money
from ..core.permissions import acting_user, require_permission
from ..org.branches import chosen_branch, switcher_branches
from ..org.clock import branch_today, branch_zone
from ..org.models import Clinic
from . import bp
from .forms import desk_methods, read_amount
from .labels import METHOD_LABELS
from .models import Invoice
from .queries import MAX_OPEN_LISTED, invoice_for, open_invoices

PAID_EVENT = "desk-paid"
# The payment form's own fields; a refusal naming another is shown above the form.
FORM_FIELDS = ("method", "amount", "tendered")


def _list_context(clinic: Clinic, query: str) -> dict:
    invoices = open_invoices(clinic.id, query)
    today = branch_today(clinic)
    zone = branch_zone(clinic)
    issued_today = [i for i in invoices if i.issued_at and i.issued_at.astimezone(zone).date()
                    == today]
    earlier = [i for i in invoices if i not in issued_today]
    return {"clinic": clinic, "zone": zone, "q": query, "today": issued_today,
            "earlier": earlier, "capped": len(invoices) >= MAX_OPEN_LISTED,
            "list_url": url_for("billing.desk", branch=clinic.id, q=query or None)}


def _query() -> str:
    return (request.args.get("q") or "").strip()[:100]


@bp.route("/cash-desk/")
@login_required
@require_permission("payments.take")
def desk():
    """The branch's open invoices; for htmx (the search, the refresh) the list alone."""
    user = acting_user()
    clinic = chosen_branch(user, request.args.get("branch"))
    if clinic is None:
        return render_template("billing/desk.html", clinic=None, branches=[])
    context = _list_context(clinic, _query())
    if wants_fragment():
        return render_template("billing/_desk_list.html", **context)
    return render_template("billing/desk.html", branches=switcher_branches(user),
                           invoice=None, **context)


def _panel_context(invoice: Invoice, *, values=None, errors=None, message=None,
                   payment=None) -> dict:
    """The open invoice with its payment form (`values` typed, `errors` by field)."""
    methods = desk_methods()
    defaults = {"method": methods[0].key if methods else "",
                "amount": format_money(invoice.due) if invoice.due > 0 else ""}
    return {"invoice": invoice, "zone": branch_zone(invoice.clinic), "methods": methods,
            "values": {**defaults, **(values or {})}, "errors": errors or {},
            "message": message, "payment": payment, "method_labels": METHOD_LABELS}


def _render_panel(invoice: Invoice, status: int = 200, **panel):
    """The panel for htmx, else the whole desk with this invoice open."""
    context = _panel_context(invoice, **panel)
    if wants_fragment():
        return render_template("billing/_desk_invoice.html", **context), status
    user = acting_user()
    return render_template("billing/desk.html", branches=switcher_branches(user),
                           **{**_list_context(invoice.clinic, ""), **context}), status


@bp.route("/cash-desk/invoices/<int:invoice_id>")
@login_required
@require_permission("payments.take")
def desk_invoice(invoice_id: int):
    """One invoice at the desk: lines, payments so far, what is due, the payment form."""
    return _render_panel(invoice_for(acting_user(), invoice_id))


@bp.route("/cash-desk/invoices/<int:invoice_id>/payments", methods=["POST"])
@login_required
@require_permission("payments.take")
def take_payment(invoice_id: int):
    """Take one payment (one method, one amount); the form stays while anything is due."""
    user = acting_user()
    invoice = invoice_for(user, invoice_id)
    methods = {method.key: method for method in desk_methods()}
    form = request.form
    values = {"method": form.get("method", ""), "amount": form.get("amount", ""),
              "tendered": form.get("tendered", "")}

    def take():
        method = methods.get(values["method"])
        if method is None:
            raise field_error("method", _("Выберите способ оплаты"))
        amount = read_amount(values["amount"], "amount")
        return method.take(user, invoice, amount, form)

    def taken(payment):
        fresh = invoice_for(user, invoice_id)
        back = url_for("billing.desk_invoice", invoice_id=invoice_id)
        said = _taken_text(payment)

        def panel():
            response = make_response(render_template(
                "billing/_desk_invoice.html", **_panel_context(fresh, payment=payment)))
            response.headers["HX-Trigger"] = PAID_EVENT
            return response

        return answer(back, said, fragment=panel)

    def refused(error: DomainError):
        fresh = invoice_for(user, invoice_id)
        errors, message = _refusal(error, fresh)
        return _render_panel(fresh, error.status_code, values=values, errors=errors,
                             message=message)

    return perform(take, on_success=taken, on_refusal=refused)


def _taken_text(payment) -> str:
    currency = payment.invoice.currency
    said = _("Принято %(amount)s: %(method)s", amount=format_money(payment.amount, currency),
             method=METHOD_LABELS.get(payment.method, payment.method))
    if payment.tendered is not None:
        said += ". " + _("Сдача %(change)s", change=format_money(
            payment.tendered - payment.amount, currency))
    return said


def _refusal(error: DomainError, invoice: Invoice) -> tuple[dict, str | None]:
    """A refusal as messages under the payment form's fields, or one above it."""
    if error.code == "overpayment":
        due = Decimal(error.details.get("amount_due", invoice.due))
        return {"amount": [_("Больше, чем осталось оплатить: к оплате %(due)s",
                             due=format_money(due, invoice.currency))]}, None
    errors = {field: list(messages) for field, messages in error.details.items()
              if field in FORM_FIELDS and isinstance(messages, list)}
    return errors, None if errors else error.detail
