"""What the billing pages read from people and the words they show for billing's codes.

The pages post plain forms (no WTForms: the desk's payment form grows fields per payment
method, which a feature above billing adds). Amounts are read with core.money.parse_amount
and refused with the field's name (`field_error`), the way the services refuse.

The cash desk's payment methods are a registry (`add_desk_method`): billing registers
cash and card; loyalty adds certificates and points later, each with its own `take`
(which ends in billing.payments.record_payment) and, when it needs more input than an
amount, a template of its own fields. The desk's form draws whatever is registered.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _

from ..core.errors import field_error
from ..core.money import AmbiguousAmount, AmountError, parse_amount
from .invoices import MAX_AMOUNT
from .labels import METHOD_LABELS
from .payments import record_payment

MAX_REASON = 255


def read_amount(raw: str | None, field: str, *, required: bool = True) -> Decimal | None:
    """An amount typed on a page («1 500,50», «1500.5»): positive, kopecks at most.

    Raises ValidationFailed naming `field`; None for an empty optional one.
    """
    text = (raw or "").strip()
    if not text:
        if required:
            raise field_error(field, _("Укажите сумму"))
        return None
    try:
        amount = parse_amount(text)
    except AmbiguousAmount as exc:
        raise field_error(field, _("«%(text)s» можно прочесть двояко: напишите %(whole)s или "
                                   "%(fraction)s", text=exc.text, whole=exc.whole,
                                   fraction=exc.fraction)) from None
    except AmountError:
        raise field_error(field, _("Сумма — число, например 1500 или 1500,50")) from None
    if amount <= 0 or amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise field_error(field, _("Сумма — больше нуля, с точностью до копеек"))
    return amount


def read_reason(raw: str | None, field: str = "reason") -> str:
    """A required reason (a refund, a cancellation), at most 255 characters."""
    reason = (raw or "").strip()
    if not reason:
        raise field_error(field, _("Укажите причину"))
    if len(reason) > MAX_REASON:
        raise field_error(field, _("Не длиннее %(max)d символов", max=MAX_REASON))
    return reason


def read_date(raw: str | None, field: str) -> date | None:
    """A date filter: `ГГГГ-ММ-ДД` (a date input) or `ДД.ММ.ГГГГ`; None when empty."""
    text = (raw or "").strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise field_error(field, _("Ожидается дата ДД.ММ.ГГГГ"))


# --- the desk's payment methods ------------------------------------------------------

@dataclass(frozen=True)
class DeskMethod:
    """A way the cash desk takes money.

    `take(actor, invoice, amount, form)` records the payment (through
    billing.payments.record_payment in the end) and returns it; it reads any fields of
    its own from `form` (the posted MultiDict) and raises DomainError naming them.
    `fields` is a template with those fields (None: the amount is all it needs);
    `tendered`: the form asks for the cash handed over and shows the change.
    """

    key: str
    label: str
    order: int
    take: Callable
    fields: str | None = None
    tendered: bool = False


DESK_METHODS_KEY = "clinicapp.billing.desk_methods"


def add_desk_method(app, method: DeskMethod) -> None:
    """Offer `method` on the cash desk's payment form (idempotent per key)."""
    app.extensions.setdefault(DESK_METHODS_KEY, {})[method.key] = method


def desk_methods() -> list[DeskMethod]:
    """The methods the desk offers, in their order."""
    return sorted(current_app.extensions.get(DESK_METHODS_KEY, {}).values(),
                  key=lambda method: method.order)


def _take_cash(actor, invoice, amount: Decimal, form):
    tendered = read_amount(form.get("tendered"), "tendered", required=False)
    if tendered is not None and tendered < amount:
        raise field_error("tendered", _("Получено меньше суммы оплаты"))
    return record_payment(actor, invoice, method="cash", amount=amount, tendered=tendered)


def _take_card(actor, invoice, amount: Decimal, form):
    return record_payment(actor, invoice, method="card", amount=amount)


def add_builtin_desk_methods(app) -> None:
    """Cash (with the change) and card (the desk's terminal)."""
    add_desk_method(app, DeskMethod("cash", METHOD_LABELS["cash"], 10, _take_cash,
                                    tendered=True))
    add_desk_method(app, DeskMethod("card", METHOD_LABELS["card"], 20, _take_card))
