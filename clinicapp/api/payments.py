"""Online payment for patients' apps (document 001: /api/v1/payment/...) and the bank's
notifications.

`create` registers an order with the acquiring gateway for what the appointment's
invoice has due and answers the payment page's URL; `confirm` asks the bank (never the
client) how the order stands; `callback` takes the bank's signed notification and asks
the bank too. Whichever comes first settles the payment; the others change nothing.
"""
from __future__ import annotations

import marshmallow as ma
from flask import current_app, g, request, url_for

from ..billing import checksum, online
from ..billing import queries as billing_queries
from ..billing.invoices import invoice_to_pay
from ..core.errors import NotFound, PermissionDenied, ValidationFailed
from ..core.permissions import has_permission
from ..scheduling import queries
from .base import ApiBlueprint, require_auth
from .billing import Amount
from .calendar import body_id

ERRORS = {  # besides the defaults of ApiBlueprint
    400: "Неверные данные; сумма не равна сумме к оплате (details.amount_due); валюта "
         "организации не рубли; неверная подпись уведомления банка",
    403: "Оплату за пациента создаёт кассир своего филиала",
    404: "Запись или оплата не найдены",
    409: "Счёт отменён",
    502: "Банк не ответил или отказал; ничего не записано — повторите позже",
    503: "Онлайн-оплата не подключена (нет договора эквайринга): оплата в клинике",
}

blp = ApiBlueprint("api_v1_payment", __name__, errors=ERRORS, tag="Оплата · 001",
                   url_prefix="/api/v1/payment",
                   description="Онлайн-оплата приёма через эквайринг Сбербанка (документ 001)")

# What an app may say it saw (document 001: «успех/неудача»); the answer is the bank's anyway.
SUCCESS_WORDS = ("success", "succeeded", "paid", "ok", "успех")
FAILURE_WORDS = ("failure", "failed", "fail", "declined", "cancelled", "canceled", "error",
                 "неудача")
REQUIRED = {"required": "Обязательное поле", "null": "Обязательное поле"}


class CreateSchema(ma.Schema):
    appointment_id = body_id("id своей записи на приём", required=True)
    amount = Amount(required=True, error_messages=REQUIRED, metadata={
        "description": "Сумма к оплате: ровно остаток по счёту записи", "example": 2200})


class CreatedSchema(ma.Schema):
    payment_id = ma.fields.Integer()
    payment_url = ma.fields.String(metadata={"description": "Страница оплаты банка: откройте "
                                                            "её в браузере"})
    status = ma.fields.String(metadata={"description": "pending, пока банк не подтвердит"})
    amount = Amount()
    currency = ma.fields.String(metadata={"example": "RUB"})
    invoice = ma.fields.Integer()
    invoice_number = ma.fields.String()


class ConfirmSchema(ma.Schema):
    payment_id = body_id("id оплаты из /payment/create", required=True)
    status = ma.fields.String(required=True, error_messages=REQUIRED, validate=ma.validate.OneOf(
        SUCCESS_WORDS + FAILURE_WORDS, error="Ожидается success или failure"), metadata={
        "description": "Что увидело приложение: success или failure. Ответ всё равно по "
                       "данным банка"})


class ConfirmedSchema(ma.Schema):
    success = ma.fields.Boolean(metadata={"description": "true — банк подтвердил оплату"})
    status = ma.fields.String(metadata={"description": "Оплата: pending, succeeded, failed, "
                                                       "refunded"})
    payment_status = ma.fields.String(metadata={"description": "Оплата записи: unpaid, "
                                                               "partially_paid, paid, refunded"})


class CallbackSchema(ma.Schema):
    success = ma.fields.Boolean()


def _appointment(appointment_id: int):
    """A patient's own appointment (another's: 404); staff: their branch's, if they take
    payments."""
    user = g.api_user
    if user.is_staff:
        appointment = queries.appointment_for(user, appointment_id)
        if not has_permission(user, "payments.take"):
            raise PermissionDenied("Оплату за пациента создаёт кассир")
        return appointment
    appointment = queries.own_appointment(user, appointment_id)
    if appointment is None:
        raise NotFound("Запись не найдена")
    return appointment


def _payment(payment_id: int):
    """A patient's own online payment (another's: 404); staff: their branch's, if they take
    payments."""
    if g.api_user.is_staff and not has_permission(g.api_user, "payments.take"):
        raise PermissionDenied("Проверять оплату за пациента может кассир")
    payment = billing_queries.payment_for(g.api_user, payment_id)
    if payment.method != "online":
        raise NotFound("Онлайн-оплата не найдена")
    return payment


@blp.route("/create", methods=["POST"])
@require_auth()
@blp.arguments(CreateSchema, location="json")
@blp.response(200, CreatedSchema)
@blp.errors(400, 401, 403, 404, 409, 502, 503)
def create(data):
    """Начать оплату записи: счёт записи (или новый — по цене услуги) и заказ в банке.

    `amount` должен равняться остатку к оплате, иначе 400 с ним в `details.amount_due`.
    Пока оплата в пути, повторный вызов вернёт те же `payment_id` и `payment_url`.
    Онлайн-оплата — только в рублях.
    """
    appointment = _appointment(data["appointment_id"])
    invoice = invoice_to_pay(g.api_user, appointment)
    return_url = url_for("billing.payment_return", _external=True)
    payment = online.start_online_payment(
        g.api_user, invoice, data["amount"], return_url=return_url, fail_url=return_url,
        callback_url=url_for("api_v1_payment.callback", _external=True))
    return {"payment_id": payment.id, "payment_url": payment.payment_url,
            "status": payment.status, "amount": payment.amount, "currency": invoice.currency,
            "invoice": invoice.id, "invoice_number": invoice.number}


@blp.route("/confirm", methods=["POST"])
@require_auth()
@blp.arguments(ConfirmSchema, location="json")
@blp.response(200, ConfirmedSchema)
@blp.errors(400, 401, 403, 404, 502)
def confirm(data):
    """Узнать, прошла ли оплата. Ответ — по данным банка (getOrderStatusExtended), а не по
    `status` приложения: `success: true` только если банк подтвердил (orderStatus 1 или 2)."""
    payment = _payment(data["payment_id"])
    state = online.sync_payment(payment, actor=g.api_user)
    return {"success": state.paid, "status": payment.status,
            "payment_status": billing_queries.state_of(payment.invoice.status)}


@blp.route("/callback", methods=["GET", "POST"])
@blp.response(200, CallbackSchema)
@blp.errors(400, 404, 502)
def callback():
    """Уведомление банка (`mdOrder`, `orderNumber`, `operation`, `status`, `checksum`).

    Подпись — HMAC-SHA256 (параметры без `checksum` по имени, `имя;значение;`, ключ из
    настроек, hex в верхнем регистре); нет или неверна — 400, ничего не меняется.
    Состояние заказа берётся у банка; повтор уведомления ничего не меняет.
    """
    params = {key: value for key, value in request.values.items(multi=False)}
    if not checksum.verify(params, current_app.config["SBER_CALLBACK_KEY"]):
        raise ValidationFailed("checksum: подпись уведомления неверна или отсутствует",
                               code="bad_checksum",
                               details={"checksum": ["Неверная подпись"]})
    payment = online.payment_by_order(params.get("mdOrder", ""))
    if payment is None:
        raise NotFound("Заказ не найден")
    online.sync_payment(payment)
    return {"success": True}


BLUEPRINTS = (blp,)
