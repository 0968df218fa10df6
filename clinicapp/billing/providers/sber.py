"""The Sberbank acquiring REST client: register.do, getOrderStatusExtended.do, refund.do.

Every call is a form-encoded POST to SBER_BASE_URL + method with the merchant's
userName and password; the answer is JSON, and a non-zero `errorCode` is a refusal whose
`errorMessage` (in Russian: we ask for `language=ru`) is shown as it is. Amounts travel
in kopecks (integers), converted exactly from Decimal.

The password never leaves this module except in the request body: it is not logged and
not put into any error.
"""
from __future__ import annotations

import json
import logging
from decimal import Decimal

import requests
from flask import current_app
from flask_babel import gettext as _

from .base import (
    Gateway,
    GatewayError,
    OrderState,
    ReceiptLine,
    Registered,
    currency_code,
    from_minor_units,
    require_positive,
    to_minor_units,
)

log = logging.getLogger("clinicapp.billing.sber")

TIMEOUT = (5, 15)  # connect, read (seconds)
UNKNOWN_ORDER = "6"  # getOrderStatusExtended.do: «Заказ не найден»
# 54-FZ receipt attributes (FFD 1.05+): full payment in advance, for a service. Medical
# services are VAT-exempt (Tax Code art. 149), hence «без НДС».
PAYMENT_METHOD_FULL_PREPAYMENT = "1"
PAYMENT_OBJECT_SERVICE = "4"
TAX_TYPE_NO_VAT = 0


class SberGateway(Gateway):
    """The bank's REST protocol, with the credentials of the app's settings."""

    name = "sber"

    def __init__(self, *, base_url: str, username: str, password: str,
                 order_timeout_minutes: int = 20, session: requests.Session | None = None):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.username = username
        self._password = password
        self.order_timeout_minutes = order_timeout_minutes
        # One session per gateway when the caller keeps one; else a connection per call
        # (calls are rare: a registration, a status poll, a refund).
        self._post = session.post if session is not None else requests.post

    @classmethod
    def from_config(cls, config=None) -> "SberGateway":
        config = config or current_app.config
        return cls(base_url=config["SBER_BASE_URL"], username=config["SBER_USERNAME"],
                   password=config["SBER_PASSWORD"],
                   order_timeout_minutes=config["SBER_ORDER_TIMEOUT_MINUTES"])

    def __repr__(self) -> str:  # no password in a traceback's locals or a log line
        return f"SberGateway({self.base_url!r}, username={self.username!r})"

    # --- the protocol ----------------------------------------------------------

    def register(self, *, order_number: str, amount: Decimal, currency: str,
                 description: str, return_url: str, fail_url: str, callback_url: str,
                 lines: list[ReceiptLine]) -> Registered:
        code = currency_code(currency)
        require_positive(amount)
        fields = {
            "orderNumber": order_number,
            "amount": str(to_minor_units(amount)),
            "currency": code,
            "returnUrl": return_url,
            "failUrl": fail_url,
            "description": description[:598],  # the bank's limit is 598 characters
            "dynamicCallbackUrl": callback_url,
            "sessionTimeoutSecs": str(self.order_timeout_minutes * 60),
        }
        if lines:
            fields["orderBundle"] = order_bundle(lines)
        answer = self._call("register.do", fields)
        order_id, form_url = answer.get("orderId"), answer.get("formUrl")
        if not order_id or not form_url:
            raise GatewayError(_("Банк ответил непонятно, попробуйте позже."))
        return Registered(order_id=str(order_id), form_url=str(form_url))

    def status(self, order_id: str) -> OrderState:
        answer = self._call("getOrderStatusExtended.do", {"orderId": order_id},
                            unknown_ok=True)
        error_code = str(answer.get("errorCode", "0") or "0")
        if error_code == UNKNOWN_ORDER:
            return OrderState(order_status=None, amount=Decimal("0.00"),
                              refunded=Decimal("0.00"), order_number="",
                              error_code=error_code)
        info = answer.get("paymentAmountInfo") or {}
        try:
            order_status = answer.get("orderStatus")
            return OrderState(
                order_status=None if order_status is None else int(order_status),
                amount=from_minor_units(answer.get("amount") or 0),
                refunded=from_minor_units(info.get("refundedAmount") or 0),
                order_number=str(answer.get("orderNumber") or ""),
                error_code=error_code)
        except (TypeError, ValueError) as exc:
            raise GatewayError(_("Банк ответил непонятно, попробуйте позже.")) from exc

    def refund(self, order_id: str, amount: Decimal) -> None:
        require_positive(amount)
        self._call("refund.do", {"orderId": order_id, "amount": str(to_minor_units(amount))})

    # --- transport -------------------------------------------------------------

    def _call(self, method: str, fields: dict[str, str], *, unknown_ok: bool = False) -> dict:
        """POST `fields` with the credentials to `method`; the JSON answer.

        GatewayError for a network failure, a non-JSON or non-2xx answer, or a non-zero
        errorCode (except «unknown order» when `unknown_ok`: the caller maps it).
        """
        data = {"userName": self.username, "password": self._password, "language": "ru",
                **fields}
        try:
            response = self._post(self.base_url + method, data=data, timeout=TIMEOUT)
        except requests.RequestException as exc:
            # The exception's text names the host only (the body is not in it); still,
            # only its class is logged.
            log.warning("bank unreachable", extra={"method": method,
                                                   "error": type(exc).__name__})
            raise GatewayError(_("Банк не отвечает, попробуйте позже.")) from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not response.ok or not isinstance(answer, dict):
            log.warning("bank answered badly", extra={"method": method,
                                                      "status": response.status_code})
            raise GatewayError(_("Банк не отвечает, попробуйте позже."))
        error_code = str(answer.get("errorCode", "0") or "0")
        if error_code != "0" and not (unknown_ok and error_code == UNKNOWN_ORDER):
            message = str(answer.get("errorMessage") or "").strip()
            log.info("bank refused", extra={"method": method, "error_code": error_code})
            raise GatewayError(message or _("Банк отклонил операцию (код %(code)s).",
                                            code=error_code), code=error_code)
        return answer


def order_bundle(lines: list[ReceiptLine]) -> str:
    """The 54-FZ receipt as the bank's orderBundle JSON: one cart item per line, prices
    and amounts in kopecks."""
    items = []
    for position, line in enumerate(lines, start=1):
        items.append({
            "positionId": str(position),
            "name": line.name[:100],  # the receipt's limit for a position's name
            "quantity": {"value": _quantity(line.quantity), "measure": "шт"},
            "itemAmount": to_minor_units(line.amount),
            "itemPrice": to_minor_units(line.unit_price),
            "itemCode": line.code or str(position),
            "tax": {"taxType": TAX_TYPE_NO_VAT},
            "itemAttributes": {"attributes": [
                {"name": "paymentMethod", "value": PAYMENT_METHOD_FULL_PREPAYMENT},
                {"name": "paymentObject", "value": PAYMENT_OBJECT_SERVICE},
            ]},
        })
    return json.dumps({"cartItems": {"items": items}}, ensure_ascii=False)


def _quantity(value: Decimal) -> int | float:
    """A quantity as a JSON number: an integer when whole (services mostly are). A
    fractional quantity is no amount of money, so a float is fine here."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)
