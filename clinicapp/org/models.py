"""The legal entity and its clinics; a clinic is a branch."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import TimestampMixin
from ..extensions import db


class Organization(TimestampMixin, db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    inn: Mapped[str | None] = mapped_column(String(12))
    kpp: Mapped[str | None] = mapped_column(String(9))
    ogrn: Mapped[str | None] = mapped_column(String(15))
    legal_address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(255))

    clinics: Mapped[list["Clinic"]] = relationship(back_populates="organization",
                                                   order_by="Clinic.id")


class Clinic(TimestampMixin, db.Model):
    """A branch of the organization; times are shown in its own zone."""

    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow",
                                          server_default="Europe/Moscow")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    organization: Mapped[Organization] = relationship(back_populates="clinics")

    def to_brief(self) -> dict:
        return {"id": self.id, "name": self.name, "address": self.address,
                "timezone": self.timezone, "is_active": self.is_active}
