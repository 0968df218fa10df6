"""Writing invoices: a draft for a finished visit, its lines, issuing, cancelling.

Every surface (the visit's invoice dialog, the cash desk, documents 001 and 002) calls
these. Money only moves through billing.payments; an invoice's status follows its
money (`settle_status`), except `draft` (still being written) and `cancelled`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..catalog.models import Service
from ..catalog.queries import prices_in_force
from ..core.errors import Conflict, PermissionDenied, ValidationFailed, field_error
from ..core.models import utcnow
from ..core.money import format_money
from ..extensions import db
from ..org.clock import branch_zone, organization_zone
from ..scheduling.models import Appointment, Visit
from ..scheduling.status import is_own_appointment
from .models import ZERO, Invoice, InvoiceCounter, InvoiceLine

CENT = Decimal("0.01")
MAX_LINES = 50
MAX_AMOUNT = Decimal("9999999999.99")  # NUMERIC(12, 2)
MAX_QUANTITY = 999
# Appointments nobody pays for in advance (an invoice already written stays payable).
NOT_TO_PAY = {"cancelled": lambda: _("Запись отменена: оплачивать нечего"),
              "no_show": lambda: _("Пациент не пришёл на приём: оплачивать нечего")}
# Roles that write invoices only for their own patients' appointments.
OWN_PATIENTS_ONLY = ("doctor",)


@dataclass(frozen=True)
class LineInput:
    """One line as a surface hands it over: a catalog service (its name and code are
    copied, the price defaults to the one in force) or a free-text name with a price."""

    service: Service | None
    name: str | None = None
    unit_price: Decimal | None = None
    quantity: int = 1
    discount_percent: Decimal = ZERO


def line_amount(unit_price: Decimal, quantity: int, discount_percent: Decimal) -> Decimal:
    """Price × quantity less the discount, rounded half up to kopecks."""
    gross = unit_price * quantity
    return (gross * (Decimal(100) - discount_percent) / Decimal(100)).quantize(
        CENT, rounding=ROUND_HALF_UP)


def next_number(organization_id: int, on: date) -> str:
    """The organization's next invoice number of the year, «INV-2026-000123».

    An upsert on the counter row: concurrent invoices wait for each other's row lock
    and never share a number.
    """
    statement = insert(InvoiceCounter).values(
        organization_id=organization_id, year=on.year, last_number=1)
    statement = statement.on_conflict_do_update(
        index_elements=[InvoiceCounter.organization_id, InvoiceCounter.year],
        set_={"last_number": InvoiceCounter.last_number + 1},
    ).returning(InvoiceCounter.last_number)
    number = db.session.execute(statement).scalar_one()
    return f"INV-{on.year}-{number:06d}"


def ensure_may_write(actor, appointment: Appointment | None) -> None:
    """A doctor writes invoices for their own patients only (as with the visit steps)."""
    if actor is not None and actor.role in OWN_PATIENTS_ONLY and (
            appointment is None or not is_own_appointment(actor, appointment)):
        raise PermissionDenied(_("Счёт по приёму пациента другого врача выписывает его врач "
                                 "или регистратура"), code="not_own_patient")


def live_invoice(appointment_id: int, *, lock: bool = False) -> Invoice | None:
    """The appointment's invoice that is not cancelled (at most one: a unique index)."""
    statement = select(Invoice).where(Invoice.appointment_id == appointment_id,
                                      Invoice.status != "cancelled")
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(statement)


def _lock_appointment(appointment: Appointment) -> None:
    """Writers of one appointment's invoice queue on its row: the second finds the first's
    invoice instead of colliding with it (the unique index stays the last word)."""
    db.session.execute(select(Appointment.id).where(Appointment.id == appointment.id)
                       .with_for_update())


def lock(invoice: Invoice) -> Invoice:
    """Take the invoice's row lock (read-modify-write of its money) and reread it."""
    return db.session.execute(
        select(Invoice).where(Invoice.id == invoice.id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()


def _local_day(appointment: Appointment | None, clinic) -> date:
    moment = appointment.starts_at if appointment else utcnow()
    return moment.astimezone(branch_zone(clinic)).date()


def create_invoice(actor, appointment: Appointment, *, lines: list[LineInput] | None = None,
                   amount: Decimal | None = None, visit: Visit | None = None,
                   issue: bool = False) -> Invoice:
    """A new invoice for an appointment (and its visit, once there is one).

    Without `lines`, one line of the appointment's service at the price in force on the
    appointment's day. With only `amount`, one line of that service priced at `amount`
    (document 002's bare-amount invoice); with both, the lines must add up to `amount`.
    Raises Conflict when the appointment already has an invoice that is not cancelled.
    """
    ensure_may_write(actor, appointment)
    _lock_appointment(appointment)
    if live_invoice(appointment.id, lock=True) is not None:
        raise Conflict(_("У этой записи уже есть счёт"), code="invoice_exists")
    clinic = appointment.clinic
    organization = clinic.organization
    day = _local_day(appointment, clinic)
    invoice = Invoice(
        organization_id=organization.id, clinic_id=clinic.id,
        patient_id=appointment.patient_id, appointment_id=appointment.id,
        visit_id=visit.id if visit else _visit_id(appointment), currency=organization.currency,
        number=next_number(organization.id, utcnow().astimezone(organization_zone(
            organization)).date()),
        created_by_id=getattr(actor, "id", None))
    db.session.add(invoice)
    _write_lines(invoice, default_lines(appointment, amount) if lines is None else lines, day)
    if amount is not None and invoice.total != amount:
        raise field_error("amount", _("Сумма %(amount)s не равна сумме строк %(total)s",
                                      amount=format_money(amount, invoice.currency),
                                      total=format_money(invoice.total, invoice.currency)))
    _flush_new(invoice)
    record(actor, "billing.invoice_created", invoice,
           {"number": invoice.number, "appointment": appointment.id,
            "total": str(invoice.total), "lines": len(invoice.lines)})
    if issue:
        issue_invoice(actor, invoice)
    return invoice


def default_lines(appointment: Appointment, amount: Decimal | None) -> list[LineInput]:
    """The appointment's service at its price (or at `amount`); a nameless visit if none."""
    service = appointment.service
    if amount is not None:
        return [LineInput(service, name=None if service else _("Приём врача"),
                          unit_price=amount)]
    return [LineInput(service)] if service else []


def _flush_new(invoice: Invoice) -> None:
    """Write the new invoice; a concurrent one for the same appointment wins (409)."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        if "uq_invoices_appointment_live" not in str(error.orig):
            raise
        raise Conflict(_("У этой записи уже есть счёт"), code="invoice_exists") from None


def _visit_id(appointment: Appointment) -> int | None:
    return db.session.scalar(select(Visit.id).where(Visit.appointment_id == appointment.id))


def _write_lines(invoice: Invoice, lines: list[LineInput], day: date) -> None:
    """Replace the invoice's lines and total; every bad field of every line is named at
    once (ValidationFailed with details {"lines[i].field": [message]})."""
    if len(lines) > MAX_LINES:
        raise field_error("lines", _("Не больше %(count)d строк в счёте", count=MAX_LINES))
    prices = prices_in_force([line.service for line in lines if line.service], day)
    problems: dict[str, list[str]] = {}
    written = [_line(line, position, prices, problems) for position, line in enumerate(lines)]
    if problems:
        field, [message] = next(iter(problems.items()))
        raise ValidationFailed(f"{field}: {message[:1].lower()}{message[1:]}",
                               details=problems)
    total = sum((line.amount for line in written), ZERO)
    if total > MAX_AMOUNT:
        raise field_error("lines", _("Сумма счёта слишком велика"))
    invoice.lines.clear()
    db.session.flush()
    invoice.lines.extend(written)
    invoice.total = total


def _line(line: LineInput, position: int, prices: dict[int, Decimal],
          problems: dict[str, list[str]]) -> InvoiceLine | None:
    """The line to write, or None with its problems added to `problems`."""
    field = f"lines[{position}]"
    found: dict[str, str] = {}
    service = line.service
    name = (line.name or (service.name if service else "")).strip()
    if not name:
        found["name"] = _("Укажите услугу")
    price = line.unit_price if line.unit_price is not None else prices.get(
        service.id) if service else None
    if price is None:
        found["unit_price"] = _("Укажите цену")
    elif price < 0 or price > MAX_AMOUNT or price != price.quantize(CENT):
        found["unit_price"] = _("Цена — неотрицательная сумма с точностью до копеек")
    if not 1 <= line.quantity <= MAX_QUANTITY:
        found["quantity"] = _("Количество — от 1 до %(max)d", max=MAX_QUANTITY)
    discount = line.discount_percent
    if not ZERO <= discount <= 100 or discount != discount.quantize(CENT):
        found["discount_percent"] = _("Скидка — от 0 до 100 процентов")
    if found:
        problems.update({f"{field}.{name_}": [message] for name_, message in found.items()})
        return None
    return InvoiceLine(
        position=position, service_id=service.id if service else None,
        code=service.code if service else None, name=name[:255], unit_price=price,
        quantity=line.quantity, discount_percent=discount,
        amount=line_amount(price, line.quantity, discount))


def set_lines(actor, invoice: Invoice, lines: list[LineInput]) -> Invoice:
    """Rewrite a draft's lines (the services performed) and its total."""
    invoice = lock(invoice)
    ensure_may_write(actor, invoice.appointment)
    if invoice.status != "draft":
        raise Conflict(_("Счёт уже выставлен: менять строки можно только в черновике"),
                       code="invoice_not_draft")
    before = str(invoice.total)
    _write_lines(invoice, lines, _local_day(invoice.appointment, invoice.clinic))
    db.session.flush()
    record(actor, "billing.invoice_lines_set", invoice,
           {"total": [before, str(invoice.total)], "lines": len(invoice.lines)})
    return invoice


def issue_invoice(actor, invoice: Invoice) -> Invoice:
    """Send a draft to the cash desk: it can be paid from now on. Issuing twice is a no-op."""
    invoice = lock(invoice)
    ensure_may_write(actor, invoice.appointment)
    if invoice.status != "draft":
        if invoice.status == "cancelled":
            raise Conflict(_("Счёт отменён"), code="invoice_cancelled")
        return invoice
    if not invoice.lines:
        raise field_error("lines", _("Добавьте в счёт хотя бы одну услугу"))
    invoice.status = "issued"
    invoice.issued_at = utcnow()
    invoice.issued_by_id = getattr(actor, "id", None)
    settle_status(invoice)
    db.session.flush()
    record(actor, "billing.invoice_issued", invoice, {"total": str(invoice.total)})
    return invoice


def cancel_invoice(actor, invoice: Invoice, reason: str) -> Invoice:
    """Cancel an invoice nobody has paid (money taken must be refunded first)."""
    invoice = lock(invoice)
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("Укажите причину отмены"))
    if invoice.status == "cancelled":
        raise Conflict(_("Счёт уже отменён"), code="invoice_cancelled")
    if invoice.paid > 0 or invoice.pending > 0:
        raise Conflict(_("По счёту есть оплата: сначала оформите возврат"),
                       code="invoice_has_payments")
    before = invoice.status
    invoice.status = "cancelled"
    invoice.cancelled_at = utcnow()
    invoice.cancelled_by_id = getattr(actor, "id", None)
    invoice.cancel_reason = reason[:255]
    db.session.flush()
    record(actor, "billing.invoice_cancelled", invoice, {"status": [before, "cancelled"],
                                                         "reason": invoice.cancel_reason})
    return invoice


def settle_status(invoice: Invoice) -> None:
    """The status an issued invoice's money says: issued (nothing paid; also when mistaken
    payments went back), partially paid, paid (also after a written-off refund), refunded
    (settled, then all of it went back)."""
    if invoice.status in ("draft", "cancelled"):
        return
    if invoice.paid + invoice.written_off >= invoice.total and invoice.total > 0 \
            and invoice.paid == 0 and invoice.written_off > 0:
        invoice.status = "refunded"
    elif invoice.paid + invoice.written_off >= invoice.total:
        invoice.status = "paid"
        invoice.paid_at = invoice.paid_at or utcnow()
    elif invoice.paid > 0:
        invoice.status = "partially_paid"
    else:
        invoice.status = "issued"
    if invoice.status != "paid":
        invoice.paid_at = None


def invoice_to_pay(actor, appointment: Appointment) -> Invoice:
    """The appointment's invoice ready for payment: the open one, a draft issued, or a new
    one from the service's price, issued. Raises ValidationFailed when nothing is due."""
    _lock_appointment(appointment)
    invoice = live_invoice(appointment.id, lock=True)
    if invoice is None and appointment.status in NOT_TO_PAY:
        raise Conflict(NOT_TO_PAY[appointment.status](), code=f"appointment_{appointment.status}")
    if invoice is None:
        invoice = create_invoice(actor, appointment, issue=True)
    elif invoice.status == "draft":
        invoice = issue_invoice(actor, invoice)
    if invoice.status not in ("issued", "partially_paid") or invoice.due + invoice.pending <= 0:
        raise ValidationFailed(_("По этой записи нечего оплачивать: счёт %(number)s оплачен",
                                 number=invoice.number), code="nothing_due")
    return invoice


def draft_for_finished_visit(sender, *, visit: Visit, appointment: Appointment, actor,
                             **_ignored) -> None:
    """visit_finished: a draft invoice with the appointment's service waits for the desk
    (none when the appointment already has one, say paid online in advance)."""
    invoice = live_invoice(appointment.id, lock=True)
    if invoice is not None:
        if invoice.visit_id is None:
            invoice.visit_id = visit.id
        return
    create_invoice(None, appointment, visit=visit)
