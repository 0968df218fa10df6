"""Invoices, their lines, payments and refunds.

What the database keeps true, whoever writes:
- an invoice's number is unique in its organization;
- an appointment has at most one invoice that is not cancelled;
- the money on an invoice never goes wrong: `paid` (succeeded payments minus refunds)
  stays between 0 and the total, `paid + written_off + pending` (online payments under
  way) never passes the total, and a payment's refunds never exceed the payment. A refund
  of a settled invoice is written off (a discount after the fact: not asked for again);
  one of an invoice still being paid returns the money and leaves it due (a payment
  taken by mistake, to be taken again);
- amounts are NUMERIC(12, 2), never negative.

Payments and refunds are a ledger: their amounts are written once. A payment's status
moves (`pending` → `succeeded` | `failed`, `succeeded` → `refunded` when all of it came
back) and a refund's (`pending` → `succeeded` | `failed` for online refunds); a correction
is a new row. The cached sums on the invoice and the payment change in the same
transaction, under the invoice's row lock (billing.payments).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..catalog.models import Service
from ..core.models import TimestampMixin, utcnow
from ..extensions import db
from ..org.models import Clinic, Organization
from ..patients.models import Patient
from ..scheduling.models import Appointment, Visit

INVOICE_STATUSES = ("draft", "issued", "partially_paid", "paid", "refunded", "cancelled")
# Statuses whose invoice waits for money at the cash desk.
OPEN_STATUSES = ("issued", "partially_paid")
PAYMENT_METHODS = ("cash", "card", "online", "certificate", "points")
# Methods the cash desk takes itself; certificates and points come through loyalty.
DESK_METHODS = ("cash", "card")
PAYMENT_STATUSES = ("pending", "succeeded", "failed", "refunded")
REFUND_STATUSES = ("pending", "succeeded", "failed")
MONEY = Numeric(12, 2)
ZERO = Decimal("0.00")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class InvoiceCounter(db.Model):
    """The last invoice number given in an organization in a year (row-locked upsert)."""

    __tablename__ = "invoice_counters"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class Invoice(TimestampMixin, db.Model):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint(_in("status", INVOICE_STATUSES), name="status_known"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso"),
        CheckConstraint("total >= 0", name="total_not_negative"),
        CheckConstraint("paid >= 0 AND paid <= total", name="paid_within_total"),
        # What is collected and under way, with what was written off, stays within the total.
        CheckConstraint("pending >= 0 AND paid + written_off + pending <= total",
                        name="pending_within_due"),
        CheckConstraint("refunded >= 0", name="refunded_not_negative"),
        CheckConstraint("written_off >= 0 AND written_off <= refunded",
                        name="written_off_within_refunded"),
        UniqueConstraint("organization_id", "number", name="uq_invoices_organization_number"),
        # One live invoice per appointment: paying online and the desk meet on it.
        Index("uq_invoices_appointment_live", "appointment_id", unique=True,
              postgresql_where=text("status <> 'cancelled' AND appointment_id IS NOT NULL")),
        Index("ix_invoices_clinic_created", "clinic_id", "created_at"),
        Index("ix_invoices_patient", "patient_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"))
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="RESTRICT"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"))
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="RESTRICT"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="RESTRICT"))
    number: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    # The organization's currency when the invoice was written (ISO 4217).
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(MONEY, default=ZERO, server_default="0")
    paid: Mapped[Decimal] = mapped_column(MONEY, default=ZERO, server_default="0")
    pending: Mapped[Decimal] = mapped_column(MONEY, default=ZERO, server_default="0")
    refunded: Mapped[Decimal] = mapped_column(MONEY, default=ZERO, server_default="0")
    # Of what was refunded, what is not asked for again (refunds of a settled invoice).
    written_off: Mapped[Decimal] = mapped_column(MONEY, default=ZERO, server_default="0")
    comment: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str | None] = mapped_column(String(255))

    organization: Mapped[Organization] = relationship()
    clinic: Mapped[Clinic] = relationship()
    patient: Mapped[Patient] = relationship()
    appointment: Mapped[Appointment | None] = relationship()
    visit: Mapped[Visit | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    lines: Mapped[list["InvoiceLine"]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position",
        cascade="all, delete-orphan")
    payments: Mapped[list["Payment"]] = relationship(
        back_populates="invoice", order_by="Payment.id")

    @property
    def due(self) -> Decimal:
        """What is still to be paid: the total less what was paid, what was written off
        (refunds of a settled invoice) and online payments under way."""
        return self.total - self.paid - self.written_off - self.pending

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class InvoiceLine(db.Model):
    """A service performed: price × quantity less the discount (percent), rounded to kopecks."""

    __tablename__ = "invoice_lines"
    __table_args__ = (
        CheckConstraint("quantity >= 1 AND quantity <= 999", name="quantity_range"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("discount_percent >= 0 AND discount_percent <= 100",
                        name="discount_range"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_invoice_lines_invoice", "invoice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    code: Mapped[str | None] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(255))
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    quantity: Mapped[int] = mapped_column(SmallInteger, default=1)
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=ZERO,
                                                      server_default="0")
    amount: Mapped[Decimal] = mapped_column(MONEY)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    service: Mapped[Service | None] = relationship()


class Payment(db.Model):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(_in("method", PAYMENT_METHODS), name="method_known"),
        CheckConstraint(_in("status", PAYMENT_STATUSES), name="status_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("refunded >= 0 AND refunded <= amount", name="refunded_within_amount"),
        CheckConstraint("tendered IS NULL OR (method = 'cash' AND tendered >= amount)",
                        name="tendered_covers_cash"),
        Index("uq_payments_external_id", "provider", "external_id", unique=True,
              postgresql_where=text("external_id IS NOT NULL")),
        Index("ix_payments_invoice", "invoice_id"),
        Index("ix_payments_pending", "created_at", postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"))
    method: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(20))
    refunded: Mapped[Decimal] = mapped_column(MONEY, default=ZERO, server_default="0")
    # Cash handed over (the change is tendered − amount).
    tendered: Mapped[Decimal | None] = mapped_column(MONEY)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Online: the gateway ("sber", "sandbox"), its order id and the payment page.
    provider: Mapped[str | None] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(64))
    payment_url: Mapped[str | None] = mapped_column(Text)
    # What the paying feature names it by: a certificate's code, a points transaction.
    reference: Mapped[str | None] = mapped_column(String(64))
    failure_reason: Mapped[str | None] = mapped_column(String(255))
    # Python's clock, as settled_at and the invoice's issued_at: the events of one
    # transaction keep their order (the database's now() is the transaction's start).
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 server_default=text("now()"))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    invoice: Mapped[Invoice] = relationship(back_populates="payments")
    taken_by: Mapped[User | None] = relationship()
    refunds: Mapped[list["Refund"]] = relationship(back_populates="payment", order_by="Refund.id")

    @property
    def refundable(self) -> Decimal:
        """What may still be returned: the payment less refunds done or under way."""
        under_way = sum((r.amount for r in self.refunds if r.status == "pending"), ZERO)
        return self.amount - self.refunded - under_way if self.status in (
            "succeeded", "refunded") else ZERO


class Refund(db.Model):
    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint(_in("status", REFUND_STATUSES), name="status_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_refunds_payment", "payment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(255))
    # Whether the refund lowers what is owed (the invoice was settled when it was made).
    written_off: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Python's clock, as settled_at and the invoice's issued_at: the events of one
    # transaction keep their order (the database's now() is the transaction's start).
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 server_default=text("now()"))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failure_reason: Mapped[str | None] = mapped_column(String(255))

    payment: Mapped[Payment] = relationship(back_populates="refunds")
    created_by: Mapped[User | None] = relationship()
