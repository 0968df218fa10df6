"""Employees: people who work in the clinics; doctors among them are bookable."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    false,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.models import TimestampMixin
from ..extensions import db
from ..org.models import Clinic

employee_branches = Table(
    "employee_branches",
    db.metadata,
    Column("employee_id", Integer, ForeignKey("employees.id", ondelete="CASCADE"),
           primary_key=True),
    Column("clinic_id", Integer, ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True),
)


class Employee(TimestampMixin, db.Model):
    __tablename__ = "employees"
    __table_args__ = (
        CheckConstraint("color ~ '^#[0-9A-Fa-f]{6}$'", name="color_hex"),
        CheckConstraint("rating >= 0 AND rating <= 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[str] = mapped_column(String(150), default="", server_default="")
    specializations: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list,
                                                       server_default="{}")
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(255))
    hire_date: Mapped[date | None] = mapped_column(Date)
    color: Mapped[str] = mapped_column(String(7), default="#2196F3", server_default="#2196F3")
    photo_path: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[Decimal] = mapped_column(Numeric(2, 1), default=Decimal("0"),
                                            server_default="0")
    is_doctor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                unique=True)

    branches: Mapped[list[Clinic]] = relationship(secondary=employee_branches,
                                                  order_by=Clinic.id)
    user: Mapped[User | None] = relationship()

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def specialization(self) -> str:
        """Document 001 has one string: the specializations joined."""
        return ", ".join(self.specializations or []) or self.position
