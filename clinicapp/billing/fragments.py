"""Billing's part of other features' pages, served from billing's own routes (ARCHITECTURE
§12): the calendar's appointment dialog, the desk's «Сегодня» board, the patient card.

Each page holds only an `hx-get` line (behind a permission check) and loads these:
- `billing.appointment_billing`: the appointment's payment state, invoice number, total,
  what is due, and «Счёт» (the editor) / «К оплате на кассу» (issue the draft);
- `billing.desk_marks`: a paid/unpaid mark and the «Счёт» action for every card of the
  board, in ONE request per board (swapped into the cards' slots out of band);
- `billing.patient_invoices`: the card's «Счета».
A user with neither invoices.view nor invoices.write gets 403 here, and the pages do not
ask (no empty «nothing owed» block).
"""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..core.actions import answer, perform
from ..core.errors import NotAuthenticated, NotFound, PermissionDenied, field_error
from ..core.permissions import acting_user, has_permission, require_permission
from ..core.routing import parse_id
from ..extensions import db
from ..org.branches import branch_for, visible_branch_ids
from ..org.clock import branch_today, branch_zone
from ..patients.models import Patient
from ..scheduling.models import Appointment
from ..scheduling.queries import appointment_for, day_appointments
from ..scheduling.status import OWN_PATIENTS_ONLY, is_own_appointment
from . import bp, queries
from .invoices import issue_invoice, live_invoice
from .labels import INVOICE_STATUS_LABELS, PAYMENT_STATE_BADGES, PAYMENT_STATE_LABELS
from .models import OPEN_STATUSES, Invoice


def sees_billing(user) -> bool:
    """Whether billing's blocks are shown to the user at all."""
    return has_permission(user, "invoices.view") or has_permission(user, "invoices.write")


def _require_billing_reader():
    user = acting_user()
    if user is None:
        raise NotAuthenticated(_("Требуется вход в систему"))
    if not sees_billing(user):
        raise PermissionDenied(_("Недостаточно прав для этого действия"))
    return user


def may_write_for(user, appointment: Appointment) -> bool:
    """invoices.write, and for a doctor their own patient (the service's rule)."""
    return has_permission(user, "invoices.write") and (
        user.role not in OWN_PATIENTS_ONLY or is_own_appointment(user, appointment))


def _appointment_block(appointment: Appointment, error: str | None = None, status: int = 200):
    user = acting_user()
    invoice = live_invoice(appointment.id)
    state = queries.state_of(invoice.status if invoice else None)
    may_write = may_write_for(user, appointment)
    return render_template(
        "billing/_appointment_billing.html", appointment=appointment, invoice=invoice,
        state=state, state_label=PAYMENT_STATE_LABELS[state],
        state_badge=PAYMENT_STATE_BADGES[state], status_labels=INVOICE_STATUS_LABELS,
        may_write=may_write and (invoice is not None or appointment.status != "cancelled"),
        may_send=may_write and invoice is not None and invoice.status == "draft"
        and bool(invoice.lines),
        desk_url=url_for("billing.desk_invoice", invoice_id=invoice.id)
        if invoice is not None and invoice.status in OPEN_STATUSES
        and has_permission(user, "payments.take") else None,
        error=error), status


@bp.route("/appointments/<int:appointment_id>/billing")
@login_required
def appointment_billing(appointment_id: int):
    """The calendar dialog's block: payment state, invoice, what is due, the actions."""
    user = _require_billing_reader()
    return _appointment_block(appointment_for(user, appointment_id))


@bp.route("/appointments/<int:appointment_id>/invoice/send", methods=["POST"])
@login_required
@require_permission("invoices.write")
def send_to_desk(appointment_id: int):
    """«К оплате на кассу»: the appointment's draft, as it is, issued to the cash desk."""
    user = acting_user()
    appointment = appointment_for(user, appointment_id)
    back = url_for("billing.edit_invoice", appointment_id=appointment.id)

    def send() -> Invoice:
        invoice = live_invoice(appointment.id, lock=True)
        if invoice is None:
            raise NotFound(_("У этой записи ещё нет счёта: составьте его"))
        return issue_invoice(user, invoice)

    return perform(
        send,
        on_success=lambda invoice: answer(
            back, _("Счёт %(number)s выставлен на кассу", number=invoice.number),
            fragment=lambda: _appointment_block(appointment)),
        on_refusal=lambda error: answer(back, error.detail, "error", fragment=lambda: (
            _appointment_block(appointment, error.detail, error.status_code))))


@bp.route("/desk-billing")
@login_required
def desk_marks():
    """The marks of the desk's board: `?branch=` (required) and `?doctor=` (a doctor's own
    column), today on the branch's clock; one request for the whole board."""
    user = _require_billing_reader()
    branch_id = parse_id(request.args.get("branch"), "branch")
    if branch_id is None:
        raise field_error("branch", _("Укажите филиал"))
    clinic = branch_for(user, branch_id)
    doctor_id = parse_id(request.args.get("doctor"), "doctor")
    appointments = day_appointments(clinic.id, branch_today(clinic), employee_id=doctor_id)
    statuses = dict(db.session.execute(db.select(Invoice.appointment_id, Invoice.status).where(
        Invoice.appointment_id.in_([a.id for a in appointments]),
        Invoice.status != "cancelled")).all()) if appointments else {}
    marks = [{"appointment": a, **_mark(statuses.get(a.id)),
              "shown": a.id in statuses or a.status == "completed",
              "editor": a.status == "completed" and may_write_for(user, a)}
             for a in appointments]
    return render_template("billing/_desk_marks.html", marks=marks)


def _mark(invoice_status: str | None) -> dict:
    """A card's mark: the payment state, and while unpaid where the invoice stands (a draft
    still being written, or issued and waiting at the cash desk)."""
    state = queries.state_of(invoice_status)
    label = PAYMENT_STATE_LABELS[state]
    if invoice_status in ("draft", "issued"):
        label = f"{INVOICE_STATUS_LABELS[invoice_status]} · {label}"
    return {"state": state, "label": label, "badge": PAYMENT_STATE_BADGES[state]}


@bp.route("/patients/<int:patient_id>/invoices")
@login_required
@require_permission("invoices.view")
def patient_invoices(patient_id: int):
    """The patient card's «Счета»: the patient's invoices in the user's branches."""
    if db.session.get(Patient, patient_id) is None:
        raise NotFound(_("Пациент не найден"))
    visible = visible_branch_ids(acting_user())
    invoices = [invoice for invoice in queries.patient_invoices(patient_id)
                if visible is None or invoice.clinic_id in visible]
    rows = [{"invoice": invoice,
             "day": invoice.created_at.astimezone(branch_zone(invoice.clinic)).date(),
             "url": url_for("billing.invoice", invoice_id=invoice.id)}
            for invoice in invoices]
    return render_template("billing/_patient_invoices.html", rows=rows,
                           status_labels=INVOICE_STATUS_LABELS)

