"""Demo invoices: the past completed appointments paid (cash, card, and online through the
sandbox gateway), and the last couple of each branch (today's, once the day has had
visits) issued but unpaid, so the cash desk has work and the reports and the dashboard
show real figures. Appointments without a service get no invoice (nothing to price).

Written through billing's services (create_invoice, issue_invoice, record_payment), so
numbers, lines at the price in force, sums and statuses are theirs; only the moments are
moved back to the visit's end (the services stamp "now"), so the days in the reports are
the visits' days. The online payments are succeeded payments of the "sandbox" provider
with their paid sandbox order, as if the patient had paid on the sandbox page.

Idempotent: nothing is done when there is any invoice already.
"""
from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..billing.invoices import create_invoice, issue_invoice
from ..billing.models import Invoice, Payment
from ..billing.payments import record_payment
from ..billing.providers.base import DEPOSITED
from ..billing.providers.sandbox import SandboxOrder
from ..core.models import utcnow
from ..extensions import db
from ..scheduling.models import Appointment

SEED = 1313
UNPAID_TODAY = 2  # per branch: the last visits' invoices, issued, waiting at the cash desk
METHODS = (("cash", 45), ("card", 40), ("online", 15))
CASH_NOTES = Decimal("500")
SANDBOX = "sandbox"
# The demo orders' addresses (no server name at seeding): a refund's callback to them is
# lost, and reconcile-payments settles it, as with the bank.
RETURN_PATH, CALLBACK_PATH = "/payment/return", "/api/v1/payment/callback"


def _completed(now) -> list[Appointment]:
    return list(db.session.scalars(
        select(Appointment).where(Appointment.status == "completed",
                                  Appointment.ends_at <= now,
                                  Appointment.service_id.is_not(None))
        .options(selectinload(Appointment.clinic), selectinload(Appointment.service))
        .order_by(Appointment.starts_at, Appointment.id)))


def _desk_people() -> dict[int | None, User]:
    """Who took the money at each branch: its cashier, else a manager (None: anyone)."""
    people: dict[int | None, User] = {}
    for role in ("manager", "cashier"):  # cashiers last: they win where they work
        for user in db.session.scalars(select(User).where(User.role == role,
                                                          User.is_active).order_by(User.id)):
            people.setdefault(None, user)
            for branch in user.branches:
                people[branch.id] = user
    return people


def _tendered(rng: random.Random, amount: Decimal) -> Decimal | None:
    """Cash handed over: the exact sum, or the next round banknotes (change is due)."""
    if rng.random() < 0.5:
        return None
    return (amount // CASH_NOTES + 1) * CASH_NOTES


def _paid_online(invoice: Invoice, moment) -> Payment:
    """Paid on the sandbox's page: the payment, and the order on the «bank's» side, paid,
    so that refunds of demo payments go through the sandbox like any other."""
    payment = record_payment(None, invoice, method="online", amount=invoice.total,
                             provider=SANDBOX)
    order = SandboxOrder(order_number=f"{invoice.number}-{payment.id}", amount=invoice.total,
                         currency=invoice.currency, description=invoice.number,
                         return_url=RETURN_PATH, fail_url=RETURN_PATH,
                         callback_url=CALLBACK_PATH, status=DEPOSITED, created_at=moment,
                         settled_at=moment)
    db.session.add(order)
    db.session.flush()
    payment.external_id = order.id  # written once: the ledger lets an empty one be filled
    return payment


def _backdate(invoice: Invoice, payment: Payment | None, moment) -> None:
    invoice.created_at = moment
    invoice.issued_at = moment + timedelta(minutes=2)
    if payment is not None:
        paid_at = moment + timedelta(minutes=5)
        payment.created_at = payment.settled_at = invoice.paid_at = paid_at


def _left_for_the_desk(completed: list[Appointment]) -> set[int]:
    """Each branch's last UNPAID_TODAY finished visits: issued, waiting at the cash desk
    (today's when the day has had them; the latest ones at any hour)."""
    last: dict[int, list[int]] = {}
    for appointment in completed:  # by start: the last ones win
        last.setdefault(appointment.clinic_id, []).append(appointment.id)
    return {i for ids in last.values() for i in ids[-UNPAID_TODAY:]}


def seed(clinics: list) -> None:
    """Invoices for the completed demo appointments, when there are none yet."""
    if not clinics or db.session.scalar(select(Invoice.id).limit(1)) is not None:
        return
    rng = random.Random(SEED)
    people = _desk_people()
    completed = _completed(utcnow())
    unpaid = _left_for_the_desk(completed)
    for appointment in completed:
        clinic = appointment.clinic
        invoice = issue_invoice(None, create_invoice(None, appointment))
        if invoice.total <= 0 or appointment.id in unpaid:
            _backdate(invoice, None, appointment.ends_at)
            continue
        method = rng.choices([m for m, _ in METHODS], [w for _, w in METHODS])[0]
        if method == "online":
            payment = _paid_online(invoice, appointment.ends_at)
        else:
            payment = record_payment(
                people.get(clinic.id, people.get(None)), invoice, method=method,
                amount=invoice.total,
                tendered=_tendered(rng, invoice.total) if method == "cash" else None)
        _backdate(invoice, payment, appointment.ends_at)
    db.session.flush()
