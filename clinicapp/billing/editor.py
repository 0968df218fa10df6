"""Visit → invoice: the services performed at an appointment, written into its draft.

`/appointments/<id>/invoice` (`billing.edit_invoice`) shows the appointment's live
invoice: the draft that visit_finished wrote, or, with none yet, an unsaved draft of the
appointment's service at its price in force (nothing is written by looking). The lines
are edited on the page: a catalog search adds a service, a free-text line takes a name
and a price, a line is removed; totals are recomputed on the server as one types
(`editor_preview`, htmx). «Сохранить» writes the draft's lines (create_invoice or
set_lines), «Выставить на кассу» writes them and issues the invoice, in one transaction.
A refusal shows the page again as typed, naming the line and the field, with the
error's status (400, 403, 409) and nothing written. An issued invoice is shown read-only.

The line operations (add, remove, preview, search) write nothing; without JavaScript
they are form posts answered with the whole page.
"""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..catalog.models import Service
from ..catalog.queries import prices_in_force, services_statement
from ..core.actions import perform
from ..core.errors import Conflict, DomainError
from ..core.htmx import wants_fragment
from ..core.money import format_money
from ..core.permissions import acting_user, require_permission
from ..core.routing import parse_id
from ..extensions import db
from ..org.clock import branch_zone
from ..scheduling.models import Appointment
from ..scheduling.queries import appointment_for
from ..scheduling.rules import STATUS_LABELS as APPOINTMENT_STATUS_LABELS
from . import bp
from .editor_forms import (
    Row,
    free_row,
    line_errors,
    line_inputs,
    read_rows,
    rows_of,
    service_row,
    summary,
    without,
)
from .invoices import (
    create_invoice,
    ensure_may_write,
    issue_invoice,
    live_invoice,
    set_lines,
)
from .labels import INVOICE_STATUS_LABELS
from .models import ZERO, Invoice

SEARCH_LIMIT = 8
MIN_SEARCH = 2


def editable_appointment(appointment_id: int) -> Appointment:
    """The appointment whose invoice the user may write: NotFound, PermissionDenied (another
    branch; a doctor's look at another doctor's patient, `not_own_patient`)."""
    user = acting_user()
    appointment = appointment_for(user, appointment_id)
    ensure_may_write(user, appointment)
    return appointment


def _day(appointment: Appointment) -> date:
    """The appointment's local day: its prices in force (as the invoice service reads them)."""
    return appointment.starts_at.astimezone(branch_zone(appointment.clinic)).date()


def _currency(appointment: Appointment, invoice: Invoice | None) -> str:
    return invoice.currency if invoice else appointment.clinic.organization.currency


def _first_rows(appointment: Appointment, invoice: Invoice | None) -> list[Row]:
    """The saved lines, or for a new draft the appointment's service at its price."""
    if invoice is not None:
        return rows_of(invoice)
    return [service_row(appointment.service, _day(appointment))] if appointment.service else []


def _editable(appointment: Appointment, invoice: Invoice | None) -> bool:
    if invoice is None:
        return appointment.status != "cancelled"
    return invoice.status == "draft"


def _context(appointment: Appointment, invoice: Invoice | None, rows: list[Row],
             error: DomainError | None = None, found=None, query: str = "") -> dict:
    by_field, other = line_errors(error.details) if error is not None else ({}, [])
    messages = summary(rows, by_field) + other
    if error is not None and not messages:
        messages = [error.detail]
    amounts = [row.amount() for row in rows]
    zone = branch_zone(appointment.clinic)
    return {
        "appointment": appointment, "invoice": invoice, "rows": rows, "amounts": amounts,
        "total": sum((a for a in amounts if a is not None), ZERO),
        "incomplete": any(a is None for a in amounts),
        "currency": _currency(appointment, invoice), "errors": by_field,
        "messages": messages, "editable": _editable(appointment, invoice),
        "local_start": appointment.starts_at.astimezone(zone),
        "status_labels": INVOICE_STATUS_LABELS,
        "appointment_status": APPOINTMENT_STATUS_LABELS.get(appointment.status,
                                                            appointment.status),
        "found": found, "query": query, "min_search": MIN_SEARCH,
    }


def _page(appointment: Appointment, invoice: Invoice | None, rows: list[Row],
          error: DomainError | None = None, **extra):
    status = error.status_code if error is not None else 200
    return render_template("billing/editor.html", **_context(
        appointment, invoice, rows, error, **extra)), status


def _lines(appointment: Appointment, rows: list[Row], added: bool = False, **extra):
    """The lines part for htmx (a line added: the search's results cleared), the whole
    page otherwise (no JavaScript)."""
    invoice = live_invoice(appointment.id)
    if wants_fragment():
        return render_template("billing/_editor_lines.html", added=added,
                               **_context(appointment, invoice, rows, **extra))
    return _page(appointment, invoice, rows, **extra)


@bp.route("/appointments/<int:appointment_id>/invoice")
@login_required
@require_permission("invoices.write")
def edit_invoice(appointment_id: int):
    """The appointment's invoice: its draft's lines to edit, or the issued one read-only."""
    appointment = editable_appointment(appointment_id)
    invoice = live_invoice(appointment.id)
    return _page(appointment, invoice, _first_rows(appointment, invoice))


def write_draft(actor, appointment: Appointment, rows: list[Row], *,
                issue: bool = False) -> Invoice:
    """The appointment's draft with these lines (created if there is none), issued with
    `issue`. Raises what the invoice service raises (ValidationFailed naming the line's
    field, Conflict when the invoice is no longer a draft, PermissionDenied), and
    Conflict for a cancelled appointment without an invoice."""
    lines = line_inputs(rows)
    invoice = live_invoice(appointment.id, lock=True)
    if invoice is None:
        if appointment.status == "cancelled":
            raise Conflict(_("Запись отменена: счёт по ней не выписывают"),
                           code="appointment_cancelled")
        invoice = create_invoice(actor, appointment, lines=lines)
    else:
        invoice = set_lines(actor, invoice, lines)
    if issue:
        invoice = issue_invoice(actor, invoice)
    return invoice


def _save(appointment_id: int, issue: bool):
    user = acting_user()
    appointment = editable_appointment(appointment_id)
    rows = read_rows(request.form)
    back = url_for("billing.edit_invoice", appointment_id=appointment.id)

    def saved(invoice: Invoice):
        if issue:
            flash(_("Счёт %(number)s выставлен на кассу: к оплате %(due)s",
                    number=invoice.number, due=format_money(invoice.due, invoice.currency)),
                  "success")
        else:
            flash(_("Черновик счёта %(number)s сохранён: %(total)s", number=invoice.number,
                    total=format_money(invoice.total, invoice.currency)), "success")
        return redirect(back)

    return perform(
        lambda: write_draft(user, appointment, rows, issue=issue), on_success=saved,
        on_refusal=lambda error: _page(appointment, live_invoice(appointment.id), rows, error))


@bp.route("/appointments/<int:appointment_id>/invoice", methods=["POST"])
@login_required
@require_permission("invoices.write")
def save_invoice(appointment_id: int):
    """«Сохранить»: the draft's lines as posted."""
    return _save(appointment_id, issue=False)


@bp.route("/appointments/<int:appointment_id>/invoice/issue", methods=["POST"])
@login_required
@require_permission("invoices.write")
def issue_draft(appointment_id: int):
    """«Выставить на кассу»: the lines as posted, and the invoice sent to the cash desk."""
    return _save(appointment_id, issue=True)


@bp.route("/appointments/<int:appointment_id>/invoice/lines", methods=["POST"])
@login_required
@require_permission("invoices.write")
def editor_lines(appointment_id: int):
    """The lines as posted, shown again (the search without JavaScript: `q`)."""
    appointment = editable_appointment(appointment_id)
    query = (request.form.get("q") or "").strip()[:100]
    return _lines(appointment, read_rows(request.form), found=_search(appointment, query),
                  query=query)


@bp.route("/appointments/<int:appointment_id>/invoice/lines/add", methods=["POST"])
@login_required
@require_permission("invoices.write")
def editor_add(appointment_id: int):
    """A line more: the catalog service `add` at its price in force, or a free-text line."""
    appointment = editable_appointment(appointment_id)
    rows = read_rows(request.form)
    service = _offered(appointment, request.form.get("add"))
    rows.append(service_row(service, _day(appointment)) if service else free_row())
    return _lines(appointment, rows, added=True)


@bp.route("/appointments/<int:appointment_id>/invoice/lines/<int:position>/remove",
          methods=["POST"])
@login_required
@require_permission("invoices.write")
def editor_remove(appointment_id: int, position: int):
    """The line at `position` (0-based) taken out of the posted lines."""
    appointment = editable_appointment(appointment_id)
    return _lines(appointment, without(read_rows(request.form), position))


@bp.route("/appointments/<int:appointment_id>/invoice/preview", methods=["POST"])
@login_required
@require_permission("invoices.write")
def editor_preview(appointment_id: int):
    """The totals of the posted lines (each line's amount swapped in out of band)."""
    appointment = editable_appointment(appointment_id)
    rows = read_rows(request.form)
    error = None
    try:
        line_inputs(rows)
    except DomainError as refusal:
        error = refusal
    context = _context(appointment, live_invoice(appointment.id), rows, error)
    if wants_fragment():
        return render_template("billing/_editor_totals.html", oob=True, **context)
    return render_template("billing/editor.html", **context)


@bp.route("/appointments/<int:appointment_id>/invoice/services")
@login_required
@require_permission("invoices.write")
def editor_services(appointment_id: int):
    """Search as you type: active services of the appointment's branch, their prices."""
    appointment = editable_appointment(appointment_id)
    query = (request.args.get("q") or "").strip()[:100]
    return render_template("billing/_editor_options.html", appointment=appointment,
                           found=_search(appointment, query), query=query,
                           min_search=MIN_SEARCH,
                           currency=_currency(appointment, None))


def _search(appointment: Appointment, query: str):
    """[(service, price in force)] matching `query` (None when too short to search)."""
    if len(query) < MIN_SEARCH:
        return None
    services = list(db.session.scalars(services_statement(
        is_active=True, search=query, clinic=appointment.clinic_id).limit(SEARCH_LIMIT)))
    prices = prices_in_force(services, _day(appointment))
    return [(service, prices.get(service.id, service.price)) for service in services]


def _offered(appointment: Appointment, raw: str | None):
    """The active service `raw` names, else None (a free-text line)."""
    service_id = parse_id(raw, "add")
    service = db.session.get(Service, service_id) if service_id is not None else None
    return service if service is not None and service.is_active else None
