"""The price list: a category tree, services, who provides them, price history."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
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
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_categories.id", ondelete="SET NULL"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    category: Mapped[ServiceCategory | None] = relationship()
    clinics: Mapped[list[Clinic]] = relationship(secondary=service_clinics, order_by=Clinic.id)
    doctors: Mapped[list[Employee]] = relationship(secondary=service_doctors,
                                                   order_by=Employee.id)


class ServicePrice(db.Model):
    """Append-only price history: a new row for every change."""

    __tablename__ = "service_prices"
    __table_args__ = (CheckConstraint("price >= 0", name="price_nonnegative"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"),
                                            index=True)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
