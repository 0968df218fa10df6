"""Billing: invoices for visits, the cash desk, online payment (Sberbank acquiring), refunds.

Scheduling never imports billing: a finished visit reaches it through `visit_finished`
(a draft invoice waits for the desk), and billing tells the features above it of money
through `payment_completed` and `payment_refunded`. Pages are one blueprint, `billing`;
invoices.py, payments.py and online.py are the services every surface calls,
queries.py reads, providers/ the acquiring gateways.
"""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ..core.navigation import add_menu_entry
from ..core.permissions import declare
from ..core.signals import visit_finished
from ..scheduler import register_job
from ..web import add_landing

bp = Blueprint("billing", __name__)

# Who does what with money; the admin holds every permission.
PERMISSIONS = {
    "invoices.view": (("manager", "receptionist", "cashier"),
                      _l("Видеть счета и оплаты своих филиалов")),
    "invoices.write": (("manager", "receptionist", "cashier", "doctor"),
                       _l("Составлять счёт по приёму и выставлять его на кассу (врач — "
                          "своим пациентам)")),
    "invoices.cancel": (("manager", "receptionist", "cashier"),
                        _l("Отменять неоплаченные счета с указанием причины")),
    "payments.take": (("manager", "cashier"), _l("Принимать оплату на кассе")),
    "payments.refund": (("manager",), _l("Оформлять возврат денег")),
}


def init_app(app) -> None:
    from . import (  # noqa: F401 - the page modules' routes are on bp
        cli,
        desk,
        editor,
        fragments,
        invoice_pages,
        invoices,
        online_pages,
        refund_page,
        sandbox_views,
    )
    from .forms import add_builtin_desk_methods

    for permission, (roles, label) in PERMISSIONS.items():
        declare(permission, roles=roles, label=label)
    visit_finished.connect(invoices.draft_for_finished_visit, sender=app)
    app.register_blueprint(bp)
    app.register_blueprint(sandbox_views.bp)
    app.cli.add_command(cli.reconcile_payments_command)
    register_job(app, "reconcile-payments", cli.reconcile_payments, every_minutes=10,
                 label=_l("Сверить с банком зависшие онлайн-оплаты"))
    add_builtin_desk_methods(app)  # cash and card; loyalty adds certificates and points
    add_menu_entry(app, 41, "billing.desk", _l("Касса"), "payments.take", section="billing")
    add_menu_entry(app, 42, "billing.invoices", _l("Счета"), "invoices.view",
                   section="billing")
    add_landing(app, "cashier", "billing.desk")  # the cashier's day starts at the desk
