"""Invoices and payments over JSON (document 002: /api/v1/billing/...).

The same services as the cash desk: an invoice for a visit (its lines, or one line for
the bare `amount`), payments at the desk (cash, card), refunds. Amounts are JSON
numbers in the organization's currency (`currency` on every invoice), Decimal inside.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

import marshmallow as ma
from flask import g

from ..billing import invoices as invoice_services
from ..billing import queries
from ..billing.models import (
    DESK_METHODS,
    INVOICE_STATUSES,
    PAYMENT_METHODS,
    PAYMENT_STATUSES,
    REFUND_STATUSES,
)
from ..billing.payments import MAX_REASON, record_payment, refund_payment
from ..catalog.models import Service
from ..core.errors import Conflict, ValidationFailed, field_error
from ..core.pagination import TOTAL_COUNT_DOC, LimitOffsetSchema, limit_offset, total_header
from ..extensions import db
from ..scheduling.serializers import iso_utc
from ..visits.queries import visit_for
from .base import ApiBlueprint, require_auth
from .calendar import BRANCH_HEADER_TEXT, _branch, body_id, day, query_id, text

ERRORS = {  # besides the defaults of ApiBlueprint
    400: "Неверные данные: поля названы в details; переплата — с суммой к оплате "
         "(details.amount_due)",
    403: "Недостаточно прав или чужой филиал",
    404: "Счёт, оплата или визит не найдены",
    409: "Счёт уже выставлен или отменён, у записи уже есть счёт",
}

blp = ApiBlueprint("api_v1_billing", __name__, errors=ERRORS, tag="Счета и оплаты · 002",
                   url_prefix="/api/v1/billing",
                   description="Счета за визиты, оплаты на кассе и возвраты (документ 002)")

MAX_AMOUNT = invoice_services.MAX_AMOUNT


# --- fields and schemas ----------------------------------------------------------------

class Amount(ma.fields.Float):
    """Money: a JSON number in (never more than two decimals), Decimal inside, a number out."""

    def __init__(self, *, positive: bool = True, **kwargs):
        self.positive = positive
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ma.ValidationError("Ожидается число")
        try:
            amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        except InvalidOperation:
            raise ma.ValidationError("Ожидается число") from None
        if not amount.is_finite():
            raise ma.ValidationError("Ожидается число")
        if amount < 0 or (self.positive and amount == 0):
            raise ma.ValidationError("Сумма должна быть больше нуля" if self.positive
                                     else "Не меньше нуля")
        if amount > MAX_AMOUNT:  # before quantize: 1e30 has no kopecks to round to
            raise ma.ValidationError("Слишком большая сумма")
        if amount != amount.quantize(Decimal("0.01")):
            raise ma.ValidationError("Не больше двух знаков после запятой")
        return amount

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else float(value)


REQUIRED = {"required": "Обязательное поле", "null": "Обязательное поле"}


def amount_field(description: str, **kwargs) -> Amount:
    return Amount(error_messages=REQUIRED, metadata={"description": description,
                                                     "example": 50000}, **kwargs)


class LineSchema(ma.Schema):
    service = body_id("id услуги из справочника (название, код и цена — оттуда)",
                      load_default=None, allow_none=True)
    name = text(255, "Название строки без услуги из справочника")
    unit_price = Amount(positive=False, load_default=None, allow_none=True,
                        metadata={"description": "Цена за единицу (по умолчанию — цена "
                                                 "услуги на день приёма)"})
    quantity = ma.fields.Integer(load_default=1, strict=True, validate=ma.validate.Range(
        min=1, max=invoice_services.MAX_QUANTITY, error="От {min} до {max}"))
    discount_percent = Amount(positive=False, load_default=Decimal("0"), metadata={
        "description": "Скидка, % (0–100)"})
    amount = Amount(positive=False, dump_only=True,
                    metadata={"description": "Цена × количество − скидка"})
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(dump_only=True, allow_none=True)


class InvoiceCreateSchema(ma.Schema):
    visit = body_id("id визита", required=True)
    amount = Amount(load_default=None, allow_none=True, positive=False, metadata={
        "description": "Сумма счёта. Только она — одна строка с услугой визита по этой цене; "
                       "вместе со строками — должна равняться их сумме", "example": 50000})
    lines = ma.fields.List(ma.fields.Nested(LineSchema), load_default=None,
                           validate=ma.validate.Length(max=invoice_services.MAX_LINES))
    issue = ma.fields.Boolean(load_default=True, metadata={
        "description": "Сразу выставить на оплату (по умолчанию); false — черновик"})


class RefundSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    payment = ma.fields.Integer(dump_only=True)
    amount = amount_field("Сумма возврата (по умолчанию — всё, что можно вернуть)",
                          load_default=None)
    reason = ma.fields.String(required=True, validate=ma.validate.Length(
        min=1, max=MAX_REASON, error="От 1 до {max} символов"), error_messages=REQUIRED)
    status = ma.fields.String(dump_only=True, validate=ma.validate.OneOf(REFUND_STATUSES))
    written_off = ma.fields.Boolean(dump_only=True, metadata={
        "description": "true — счёт был оплачен: сумма не к оплате снова (скидка задним "
                       "числом); false — ошибочная оплата возвращена, сумма снова к оплате"})
    created_by = ma.fields.Integer(dump_only=True, allow_none=True)
    created_at = ma.fields.String(dump_only=True, metadata={"format": "date-time"})
    settled_at = ma.fields.String(dump_only=True, allow_none=True,
                                  metadata={"format": "date-time"})


class PaymentCreateSchema(ma.Schema):
    invoice = body_id("id счёта", required=True)
    method = ma.fields.String(required=True, error_messages=REQUIRED, validate=ma.validate.OneOf(
        DESK_METHODS, error="Способ оплаты на кассе: cash или card (онлайн — "
                            "/api/v1/payment/create)"),
        metadata={"description": "cash — наличные, card — карта через терминал"})
    amount = amount_field("Сумма оплаты, не больше остатка к оплате", required=True)
    tendered = Amount(load_default=None, allow_none=True, metadata={
        "description": "Только для cash: сколько дали наличными (сдача — разница)"})


class PaymentSchema(ma.Schema):
    id = ma.fields.Integer()
    invoice = ma.fields.Integer()
    invoice_number = ma.fields.String()
    method = ma.fields.String(validate=ma.validate.OneOf(PAYMENT_METHODS))
    amount = Amount()
    currency = ma.fields.String()
    status = ma.fields.String(validate=ma.validate.OneOf(PAYMENT_STATUSES))
    refunded = Amount(positive=False)
    tendered = Amount(allow_none=True)
    change = Amount(positive=False, allow_none=True)
    taken_by = ma.fields.Integer(allow_none=True)
    provider = ma.fields.String(allow_none=True)
    external_id = ma.fields.String(allow_none=True)
    created_at = ma.fields.String(metadata={"format": "date-time"})
    settled_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    refunds = ma.fields.List(ma.fields.Nested(RefundSchema))


class InvoiceSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "INV-2026-000123"})
    status = ma.fields.String(validate=ma.validate.OneOf(INVOICE_STATUSES))
    payment_status = ma.fields.String(validate=ma.validate.OneOf(queries.PAYMENT_STATES))
    visit = ma.fields.Integer(allow_none=True)
    appointment = ma.fields.Integer(allow_none=True)
    patient = ma.fields.Integer()
    patient_name = ma.fields.String()
    branch = ma.fields.Integer()
    currency = ma.fields.String(metadata={"description": "ISO 4217, валюта организации"})
    amount = Amount(positive=False, metadata={"description": "Сумма счёта (= total)"})
    total = Amount(positive=False)
    paid = Amount(positive=False)
    pending = Amount(positive=False, metadata={"description": "Онлайн-оплата в пути"})
    due = Amount(positive=False, metadata={"description": "Осталось оплатить"})
    refunded = Amount(positive=False)
    written_off = Amount(positive=False, metadata={
        "description": "Из возвращённого — не к оплате снова (возвраты по оплаченному счёту)"})
    lines = ma.fields.List(ma.fields.Nested(LineSchema))
    payments = ma.fields.List(ma.fields.Nested(PaymentSchema))
    issued_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    paid_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    cancelled_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    cancel_reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.String(metadata={"format": "date-time"})


class CancelSchema(ma.Schema):
    reason = ma.fields.String(required=True, error_messages=REQUIRED, validate=ma.validate.Length(
        min=1, max=255, error="От 1 до {max} символов"))


class ListQuerySchema(LimitOffsetSchema):
    branch = query_id("id филиала (или заголовок X-Branch-Id)")
    patient = query_id("id пациента")
    date_from = day("С этого дня (по часам филиала)", load_default=None)
    date_to = day("По этот день включительно", load_default=None)


class InvoiceListQuerySchema(ListQuerySchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(INVOICE_STATUSES))
    method = ma.fields.String(load_default=None, validate=ma.validate.OneOf(PAYMENT_METHODS),
                              metadata={"description": "Есть оплата этим способом"})


class PaymentListQuerySchema(ListQuerySchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(PAYMENT_STATUSES))
    method = ma.fields.String(load_default=None, validate=ma.validate.OneOf(PAYMENT_METHODS))
    invoice = query_id("id счёта")


# --- representations -------------------------------------------------------------------

def refund_json(refund) -> dict:
    return {"id": refund.id, "payment": refund.payment_id, "amount": refund.amount,
            "reason": refund.reason, "status": refund.status,
            "written_off": refund.written_off,
            "created_by": refund.created_by_id, "created_at": iso_utc(refund.created_at),
            "settled_at": iso_utc(refund.settled_at)}


def payment_json(payment) -> dict:
    invoice = payment.invoice
    return {
        "id": payment.id, "invoice": invoice.id, "invoice_number": invoice.number,
        "method": payment.method, "amount": payment.amount, "currency": invoice.currency,
        "status": payment.status, "refunded": payment.refunded, "tendered": payment.tendered,
        "change": payment.tendered - payment.amount if payment.tendered is not None else None,
        "taken_by": payment.taken_by_id, "provider": payment.provider,
        "external_id": payment.external_id, "created_at": iso_utc(payment.created_at),
        "settled_at": iso_utc(payment.settled_at),
        "refunds": [refund_json(r) for r in payment.refunds],
    }


def invoice_json(invoice) -> dict:
    return {
        "id": invoice.id, "number": invoice.number, "status": invoice.status,
        "payment_status": queries.state_of(invoice.status),
        "visit": invoice.visit_id, "appointment": invoice.appointment_id,
        "patient": invoice.patient_id, "patient_name": invoice.patient.full_name,
        "branch": invoice.clinic_id, "currency": invoice.currency,
        "amount": invoice.total, "total": invoice.total, "paid": invoice.paid,
        "pending": invoice.pending, "due": invoice.due, "refunded": invoice.refunded,
        "written_off": invoice.written_off,
        "lines": [{"id": line.id, "service": line.service_id, "code": line.code,
                   "name": line.name, "unit_price": line.unit_price,
                   "quantity": line.quantity, "discount_percent": line.discount_percent,
                   "amount": line.amount} for line in invoice.lines],
        "payments": [payment_json(p) for p in invoice.payments],
        "issued_at": iso_utc(invoice.issued_at), "paid_at": iso_utc(invoice.paid_at),
        "cancelled_at": iso_utc(invoice.cancelled_at), "cancel_reason": invoice.cancel_reason,
        "created_at": iso_utc(invoice.created_at),
    }


# --- invoices ----------------------------------------------------------------------------

def _line_inputs(lines: list[dict]) -> list[invoice_services.LineInput]:
    inputs = []
    for position, line in enumerate(lines):
        service = None
        if line["service"] is not None:
            service = db.session.get(Service, line["service"])
            if service is None:
                raise field_error(f"lines[{position}].service", "Нет такой услуги")
        inputs.append(invoice_services.LineInput(
            service, name=line.get("name"), unit_price=line["unit_price"],
            quantity=line["quantity"], discount_percent=line["discount_percent"]))
    return inputs


def _fill_draft(invoice, lines, amount, appointment):
    """Document 002 on a visit whose draft already waits (written when it finished)."""
    if lines is None:
        lines = invoice_services.default_lines(appointment, amount) if amount is not None \
            else [invoice_services.LineInput(line.service, name=line.name,
                                             unit_price=line.unit_price,
                                             quantity=line.quantity,
                                             discount_percent=line.discount_percent)
                  for line in invoice.lines]
    invoice = invoice_services.set_lines(g.api_user, invoice, lines)
    if amount is not None and invoice.total != amount:
        raise field_error("amount", f"Сумма {amount} не равна сумме строк {invoice.total}")
    return invoice


@blp.route("/invoices", methods=["POST"])
@require_auth("invoices.write")
@blp.arguments(InvoiceCreateSchema, location="json")
@blp.response(201, InvoiceSchema)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404, 409)
def create_invoice(data):
    """Счёт за визит: `amount` — одна строка с услугой визита на эту сумму; `lines` — строки
    (услуга из справочника или название с ценой; количество, скидка %); вместе — суммы
    должны совпасть. Черновик, созданный при завершении визита, заполняется этим запросом;
    уже выставленный счёт — 409. По умолчанию счёт сразу выставлен на оплату."""
    _branch()
    if data["amount"] is None and data["lines"] is None:
        raise ValidationFailed("Укажите amount или lines",
                               details={"amount": ["Укажите amount или lines"]})
    visit = visit_for(g.api_user, data["visit"])
    appointment = visit.appointment
    lines = _line_inputs(data["lines"]) if data["lines"] is not None else None
    invoice = invoice_services.live_invoice(appointment.id)
    if invoice is not None and invoice.status != "draft":
        raise Conflict(f"У визита уже есть счёт {invoice.number}", code="invoice_exists",
                       details={"invoice": [str(invoice.id)]})
    if invoice is None:
        invoice = invoice_services.create_invoice(g.api_user, appointment, lines=lines,
                                                  amount=data["amount"], visit=visit)
    else:
        invoice = _fill_draft(invoice, lines, data["amount"], appointment)
    if data["issue"]:
        invoice = invoice_services.issue_invoice(g.api_user, invoice)
    return invoice_json(queries.invoice_for(g.api_user, invoice.id))


@blp.route("/invoices", methods=["GET"])
@require_auth("invoices.view")
@blp.arguments(InvoiceListQuerySchema, location="query")
@blp.response(200, InvoiceSchema(many=True), headers=TOTAL_COUNT_DOC)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404)
def list_invoices(query):
    """Счета филиалов пользователя, новые первыми; фильтры `branch`, `patient`, `status`,
    `method`, `date_from`–`date_to` (день создания по часам филиала); всего — X-Total-Count."""
    clinic = _branch(query["branch"])
    statement = queries.invoices_statement(
        g.api_user, branch_id=clinic.id if clinic else None, patient_id=query["patient"],
        status=query["status"], method=query["method"], date_from=query["date_from"],
        date_to=query["date_to"])
    rows, total = limit_offset(statement.options(*queries.INVOICE_DETAIL), query["limit"],
                               query["offset"])
    return [invoice_json(i) for i in rows], 200, total_header(total)


@blp.route("/invoices/<int:invoice_id>", methods=["GET"])
@require_auth("invoices.view")
@blp.response(200, InvoiceSchema)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404)
def get_invoice(invoice_id: int):
    """Счёт со строками, оплатами и возвратами."""
    _branch()
    return invoice_json(queries.invoice_for(g.api_user, invoice_id))


@blp.route("/invoices/<int:invoice_id>/issue", methods=["POST"])
@require_auth("invoices.write")
@blp.response(200, InvoiceSchema)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404, 409)
def issue_invoice(invoice_id: int):
    """Выставить черновик на оплату (повторно — без изменений)."""
    _branch()
    invoice = invoice_services.issue_invoice(g.api_user,
                                             queries.invoice_for(g.api_user, invoice_id))
    return invoice_json(invoice)


@blp.route("/invoices/<int:invoice_id>/cancel", methods=["POST"])
@require_auth("invoices.cancel")
@blp.arguments(CancelSchema, location="json")
@blp.response(200, InvoiceSchema)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404, 409)
def cancel_invoice(data, invoice_id: int):
    """Отменить счёт, по которому ничего не оплачено, с причиной (в журнал)."""
    _branch()
    invoice = queries.invoice_for(g.api_user, invoice_id)
    return invoice_json(invoice_services.cancel_invoice(g.api_user, invoice, data["reason"]))


# --- payments ----------------------------------------------------------------------------

@blp.route("/payments", methods=["POST"])
@require_auth("payments.take")
@blp.arguments(PaymentCreateSchema, location="json")
@blp.response(201, PaymentSchema)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404, 409)
def create_payment(data):
    """Оплата на кассе: наличные (`tendered` — сколько дали, сдача в `change`) или карта.
    Больше остатка — 400 с суммой к оплате в `details.amount_due`."""
    _branch()
    invoice = queries.invoice_for(g.api_user, data["invoice"])
    payment = record_payment(g.api_user, invoice, method=data["method"], amount=data["amount"],
                             tendered=data["tendered"])
    return payment_json(payment)


@blp.route("/payments", methods=["GET"])
@require_auth("invoices.view")
@blp.arguments(PaymentListQuerySchema, location="query")
@blp.response(200, PaymentSchema(many=True), headers=TOTAL_COUNT_DOC)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404)
def list_payments(query):
    """Оплаты по счетам филиалов пользователя, новые первыми; фильтры `branch`, `patient`,
    `status`, `method`, `invoice`, `date_from`–`date_to`; всего — X-Total-Count."""
    clinic = _branch(query["branch"])
    statement = queries.payments_statement(
        g.api_user, branch_id=clinic.id if clinic else None, patient_id=query["patient"],
        status=query["status"], method=query["method"], invoice_id=query["invoice"],
        date_from=query["date_from"], date_to=query["date_to"])
    rows, total = limit_offset(statement, query["limit"], query["offset"])
    return [payment_json(p) for p in rows], 200, total_header(total)


@blp.route("/payments/<int:payment_id>", methods=["GET"])
@require_auth("invoices.view")
@blp.response(200, PaymentSchema)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404)
def get_payment(payment_id: int):
    """Оплата с её возвратами."""
    _branch()
    return payment_json(queries.payment_for(g.api_user, payment_id))


@blp.route("/payments/<int:payment_id>/refund", methods=["POST"])
@require_auth("payments.refund")
@blp.arguments(RefundSchema, location="json")
@blp.response(201, RefundSchema)
@blp.branch_header(BRANCH_HEADER_TEXT)
@blp.errors(400, 401, 403, 404, 409)
def refund(data, payment_id: int):
    """Возврат (руководитель, администратор): всё или часть, с причиной. Наличные и карта —
    сразу (`succeeded`); онлайн — через банк (`pending`, пока банк не подтвердит).
    Больше, чем можно вернуть, — 400 (`details.refundable`)."""
    _branch()
    payment = queries.payment_for(g.api_user, payment_id)
    amount = data["amount"] if data["amount"] is not None else payment.refundable
    return refund_json(refund_payment(g.api_user, payment, amount, data["reason"]))


BLUEPRINTS = (blp,)
