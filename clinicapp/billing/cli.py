"""`flask --app wsgi reconcile-payments`: settle online payments whose callback never came.

The bank's notification can be lost, and an abandoned payment page simply times out
(20 minutes by default). The command asks the bank about every online payment (and
online refund) still pending after PAYMENT_PENDING_MINUTES and settles it; the periodic
scheduler runs it (`reconcile-payments` job). Each payment commits on its own, so one bank error
leaves the others settled.
"""
from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from .models import Payment
from .online import GatewayUnavailable, stale_pending, sync_payment

log = logging.getLogger("clinicapp.billing")


def reconcile_payments(older_than: int | None = None) -> str:
    """Settle the online payments pending longer than `older_than` minutes (default
    PAYMENT_PENDING_MINUTES), each committed on its own; say what became of them.
    The command and the scheduler's job."""
    minutes = current_app.config["PAYMENT_PENDING_MINUTES"] if older_than is None \
        else older_than
    settled = {"succeeded": 0, "failed": 0, "pending": 0, "errors": 0}
    for payment_id in [p.id for p in stale_pending(minutes)]:
        payment = db.session.get(Payment, payment_id)
        try:
            sync_payment(payment)
            db.session.commit()
        except GatewayUnavailable as error:
            db.session.rollback()
            log.warning("reconcile: payment %s not checked: %s", payment_id, error.detail)
            settled["errors"] += 1
            continue
        except Exception:  # one payment's trouble (a deadlock, say) must not stop the rest
            db.session.rollback()
            log.exception("reconcile: payment %s not settled", payment_id)
            settled["errors"] += 1
            continue
        # A payment whose refund settled counts with the paid ones.
        settled["succeeded" if payment.status == "refunded" else payment.status] += 1
    return _("Проверено оплат: %(total)s; прошли: %(succeeded)s, не прошли: %(failed)s, "
             "ещё ждут: %(pending)s, банк не ответил: %(errors)s",
             total=sum(settled.values()), **settled)


@click.command("reconcile-payments")
@click.option("--older-than", "older_than", type=click.IntRange(0, 7 * 24 * 60), default=None,
              help=_l("Сколько минут оплата должна ждать (по умолчанию "
                      "PAYMENT_PENDING_MINUTES)"))
@with_appcontext
def reconcile_payments_command(older_than: int | None):
    """Ask the bank about online payments pending too long, and settle them."""
    click.echo(reconcile_payments(older_than))
