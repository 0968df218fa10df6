"""What billing's statuses and methods are called on pages, and their badges' colours:
one place for the cash desk, the invoice pages, the editor and the blocks on other pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

INVOICE_STATUS_LABELS = {
    "draft": _l("Черновик"), "issued": _l("Выставлен"), "partially_paid": _l("Оплачен частично"),
    "paid": _l("Оплачен"), "refunded": _l("Возвращён"), "cancelled": _l("Отменён"),
}
INVOICE_STATUS_BADGES = {"draft": "badge-muted", "issued": "badge-warning",
                         "partially_paid": "badge-warning", "paid": "badge-success",
                         "refunded": "badge-muted", "cancelled": "badge-danger"}
METHOD_LABELS = {"cash": _l("Наличные"), "card": _l("Карта"), "online": _l("Онлайн"),
                 "certificate": _l("Сертификат"), "points": _l("Баллы")}
PAYMENT_STATUS_LABELS = {"pending": _l("Ожидается"), "succeeded": _l("Прошла"),
                         "failed": _l("Не прошла"), "refunded": _l("Возвращена")}
REFUND_STATUS_LABELS = {"pending": _l("Отправлен в банк"), "succeeded": _l("Выполнен"),
                        "failed": _l("Не выполнен")}
PAYMENT_STATE_LABELS = {
    "unpaid": _l("Не оплачено"), "partially_paid": _l("Оплачено частично"),
    "paid": _l("Оплачено"), "refunded": _l("Возвращено"),
}
PAYMENT_STATE_BADGES = {"unpaid": "badge-warning", "partially_paid": "badge-warning",
                        "paid": "badge-success", "refunded": "badge-muted"}
