"""Reading invoices and payments: who may see which, lists with filters, payment states.

Staff see their branches' invoices (administrators all); a patient sees their own.
Dates filter on the branch's local day of the invoice's creation.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Date, and_, cast, exists, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..core.errors import NotFound, PermissionDenied
from ..core.permissions import can_see_branch
from ..core.routing import MAX_ID
from ..extensions import db
from ..org.branches import visible_branch_ids
from ..org.models import Clinic
from ..patients.models import Patient
from ..patients.queries import search_conditions
from .models import OPEN_STATUSES, Invoice, Payment

# An appointment's payment state (read-only, derived from its live invoice).
PAYMENT_STATES = ("unpaid", "partially_paid", "paid", "refunded")
_STATE_OF_INVOICE = {"draft": "unpaid", "issued": "unpaid", "partially_paid": "partially_paid",
                      "paid": "paid", "refunded": "refunded"}


def state_of(invoice_status: str | None) -> str:
    """The payment state an appointment's live invoice gives it (none yet: unpaid)."""
    return _STATE_OF_INVOICE.get(invoice_status, "unpaid")
MAX_OPEN_LISTED = 200  # a desk's open invoices; more means the search is the way
INVOICE_DETAIL = (selectinload(Invoice.lines), selectinload(Invoice.payments)
                  .selectinload(Payment.refunds), joinedload(Invoice.patient),
                  joinedload(Invoice.clinic).joinedload(Clinic.organization))


def payment_states(appointment_ids) -> dict[int, str]:
    """{appointment id: unpaid | partially_paid | paid | refunded}, one query for all."""
    ids = list(appointment_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(Invoice.appointment_id, Invoice.status).where(
        Invoice.appointment_id.in_(ids), Invoice.status != "cancelled")).all()
    states = dict.fromkeys(ids, "unpaid")
    states.update({appointment_id: state_of(status) for appointment_id, status in rows})
    return states


def payment_state(appointment_id: int) -> str:
    return payment_states([appointment_id])[appointment_id]



def invoice_for(user, invoice_id: int) -> Invoice:
    """The invoice the user may see: NotFound (unknown; a patient's look at another's),
    PermissionDenied (staff of another branch)."""
    invoice = db.session.get(Invoice, invoice_id, options=INVOICE_DETAIL) \
        if 0 < invoice_id <= MAX_ID else None
    if invoice is None or (not user.is_staff and not _own(user, invoice)):
        raise NotFound(_("Счёт не найден"))
    if user.is_staff and not can_see_branch(user, invoice.clinic_id):
        raise PermissionDenied(_("Счёт в филиале, к которому у вас нет доступа"),
                               code="branch_forbidden")
    return invoice


def _own(user, invoice: Invoice) -> bool:
    return invoice.patient.user_id is not None and invoice.patient.user_id == user.id


def payment_for(user, payment_id: int) -> Payment:
    """The payment the user may see (as its invoice): NotFound / PermissionDenied."""
    payment = db.session.get(Payment, payment_id) if 0 < payment_id <= MAX_ID else None
    if payment is None:
        raise NotFound(_("Оплата не найдена"))
    try:
        invoice_for(user, payment.invoice_id)
    except NotFound:
        raise NotFound(_("Оплата не найдена")) from None
    return payment


def _local_day(column):
    return cast(func.timezone(Clinic.timezone, column), Date)


def invoices_statement(user, *, branch_id: int | None = None, patient_id: int | None = None,
                       status: str | None = None, method: str | None = None,
                       date_from: date | None = None, date_to: date | None = None,
                       number: str | None = None):
    """The user's branches' invoices (`branch_id` already checked), newest first."""
    statement = (select(Invoice).join(Clinic, Clinic.id == Invoice.clinic_id)
                 .options(joinedload(Invoice.patient), joinedload(Invoice.clinic)))
    visible = visible_branch_ids(user)
    if visible is not None:
        statement = statement.where(Invoice.clinic_id.in_(visible))
    if branch_id is not None:
        statement = statement.where(Invoice.clinic_id == branch_id)
    if patient_id is not None:
        statement = statement.where(Invoice.patient_id == patient_id)
    if status is not None:
        statement = statement.where(Invoice.status == status)
    if method is not None:
        statement = statement.where(exists().where(
            Payment.invoice_id == Invoice.id, Payment.method == method,
            Payment.status.in_(("succeeded", "refunded"))))
    if number:
        statement = statement.where(Invoice.number.ilike(_like(number.strip()), escape="\\"))
    if date_from is not None:
        statement = statement.where(_local_day(Invoice.created_at) >= date_from)
    if date_to is not None:
        statement = statement.where(_local_day(Invoice.created_at) <= date_to)
    return statement.order_by(Invoice.created_at.desc(), Invoice.id.desc())


def payments_statement(user, *, branch_id: int | None = None, patient_id: int | None = None,
                       status: str | None = None, method: str | None = None,
                       date_from: date | None = None, date_to: date | None = None,
                       invoice_id: int | None = None):
    """Payments of the user's branches' invoices, newest first (dates: local day taken)."""
    statement = (select(Payment).join(Invoice, Invoice.id == Payment.invoice_id)
                 .join(Clinic, Clinic.id == Invoice.clinic_id)
                 .options(joinedload(Payment.invoice)))
    visible = visible_branch_ids(user)
    if visible is not None:
        statement = statement.where(Invoice.clinic_id.in_(visible))
    for column, value in ((Invoice.clinic_id, branch_id), (Invoice.patient_id, patient_id),
                          (Payment.status, status), (Payment.method, method),
                          (Payment.invoice_id, invoice_id)):
        if value is not None:
            statement = statement.where(column == value)
    if date_from is not None:
        statement = statement.where(_local_day(Payment.created_at) >= date_from)
    if date_to is not None:
        statement = statement.where(_local_day(Payment.created_at) <= date_to)
    return statement.order_by(Payment.created_at.desc(), Payment.id.desc())


def patient_invoices(patient_id: int) -> list[Invoice]:
    """A patient's invoices, newest first (the card's «Счета», the cabinet)."""
    return list(db.session.scalars(
        select(Invoice).where(Invoice.patient_id == patient_id)
        .options(joinedload(Invoice.clinic).joinedload(Clinic.organization))
        .order_by(Invoice.created_at.desc(), Invoice.id.desc())))


def _like(text: str) -> str:
    """`text` as a LIKE pattern matching it anywhere, its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def open_invoices(clinic_id: int, query: str = "") -> list[Invoice]:
    """The branch's issued and partly paid invoices, oldest first (the cash desk); `query`
    matches the number or the patient's name (words in any order, as the patient search)."""
    statement = (select(Invoice).join(Patient, Patient.id == Invoice.patient_id)
                 .where(Invoice.clinic_id == clinic_id, Invoice.status.in_(OPEN_STATUSES))
                 .options(joinedload(Invoice.patient), joinedload(Invoice.issued_by))
                 .order_by(Invoice.issued_at, Invoice.id).limit(MAX_OPEN_LISTED))
    if query:
        by_name = search_conditions(query)
        statement = statement.where(or_(Invoice.number.ilike(_like(query), escape="\\"),
                                        and_(*by_name) if by_name else false()))
    return list(db.session.scalars(statement))
