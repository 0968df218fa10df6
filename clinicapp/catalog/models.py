"""The price list: a category tree, services, who provides them, price history."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    func,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import TimestampMixin
from ..extensions import db
from ..org.models import Clinic
from ..staff.models import Employee

service_clinics = Table(
    "service_clinics",
    db.metadata,
    Column("service_id", Integer, ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column("clinic_id", Integer, ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True),
)

service_doctors = Table(
    "service_doctors",
    db.metadata,
    Column("service_id", Integer, ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column("employee_id", Integer, ForeignKey("employees.id", ondelete="CASCADE"),
           primary_key=True),
)


CATEGORY_NAME_INDEX = "uq_service_categories_parent_lower_name"


class ServiceCategory(TimestampMixin, db.Model):
    __tablename__ = "service_categories"
    __table_args__ = (
        CheckConstraint("parent_id <> id", name="not_own_parent"),
        # Sibling categories differ in name, whatever the letter case (top level: parent 0).
        Index(CATEGORY_NAME_INDEX, text("coalesce(parent_id, 0)"), text("lower(name)"),
              unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_categories.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    parent: Mapped["ServiceCategory | None"] = relationship(remote_side=[id])


class Service(TimestampMixin, db.Model):
    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price_nonnegative"),
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 720",
                        name="duration_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    # The price last set to take effect at once: what a service written without price
    # history costs. The price in force is read from the history, which may hold planned
    # changes: queries.price_in_force / prices_in_force, never this column directly.
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_categories.id", ondelete="SET NULL"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    category: Mapped[ServiceCategory | None] = relationship()
    clinics: Mapped[list[Clinic]] = relationship(secondary=service_clinics, order_by=Clinic.id)
    doctors: Mapped[list[Employee]] = relationship(secondary=service_doctors,
                                                   order_by=Employee.id)


PRICE_DATE_INDEX = "uq_service_prices_service_id_effective_from"


class ServicePrice(db.Model):
    """The price history: what a service costs from which day on.

    The price in force on a day is the latest live row (neither cancelled nor replaced)
    effective on or before that day (`queries.price_in_force`). A row is never deleted
    and its price never changes: a planned row (effective after today) may be cancelled
    before its day comes, and a second price for the same day replaces the first one,
    which stays in the history marked as replaced. So one live price per service and
    day, which the partial unique index makes true.
    """

    __tablename__ = "service_prices"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price_nonnegative"),
        CheckConstraint("cancelled_at IS NULL OR replaced_at IS NULL",
                        name="cancelled_or_replaced"),
        Index(PRICE_DATE_INDEX, "service_id", "effective_from", unique=True,
              postgresql_where=text("cancelled_at IS NULL AND replaced_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"),
                                            index=True)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    # The organization's day (org/clock.py) the price takes effect on.
    effective_from: Mapped[date] = mapped_column(Date)
    # When and by whom the row was written.
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    replaced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_live(self) -> bool:
        """Neither cancelled nor replaced: a price that is, was or will be in force."""
        return self.cancelled_at is None and self.replaced_at is None
