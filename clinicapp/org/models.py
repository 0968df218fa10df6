"""The legal entity and its clinics; a clinic is a branch."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import TimestampMixin
from ..extensions import db

# The zone of a new organization and a new branch; org.clock reads zones for everyone else.
DEFAULT_ZONE = "Europe/Moscow"
# The currency of a new organization (ISO 4217); every amount is in its organization's.
DEFAULT_CURRENCY = "RUB"


class Organization(TimestampMixin, db.Model):
    """Requisites of the legal entity that owns the clinics."""

    __tablename__ = "organizations"
    __table_args__ = (CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    inn: Mapped[str | None] = mapped_column(String(12))
    kpp: Mapped[str | None] = mapped_column(String(9))
    ogrn: Mapped[str | None] = mapped_column(String(15))
    legal_address: Mapped[str | None] = mapped_column(Text)
    postal_address: Mapped[str | None] = mapped_column(Text)
    bank_name: Mapped[str | None] = mapped_column(String(255))
    bik: Mapped[str | None] = mapped_column(String(9))
    settlement_account: Mapped[str | None] = mapped_column(String(20))
    correspondent_account: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(255))
    logo_path: Mapped[str | None] = mapped_column(String(255))
    # The clock of what belongs to no branch: price history, reports of the whole network.
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_ZONE,
                                          server_default=DEFAULT_ZONE)

    currency: Mapped[str] = mapped_column(String(3), default=DEFAULT_CURRENCY,
                                          server_default=DEFAULT_CURRENCY)

    clinics: Mapped[list["Clinic"]] = relationship(back_populates="organization",
                                                   order_by="Clinic.id")


CLINIC_NAME_INDEX = "uq_clinics_organization_id_lower_name"


class Clinic(TimestampMixin, db.Model):
    """A branch of the organization; times are shown in its own zone."""

    __tablename__ = "clinics"
    __table_args__ = (
        CheckConstraint("rating >= 0 AND rating <= 5", name="rating_range"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        # One branch of a name per organization, whatever the letter case.
        Index(CLINIC_NAME_INDEX, "organization_id", text("lower(name)"), unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    phone: Mapped[str | None] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_ZONE,
                                          server_default=DEFAULT_ZONE)
    description: Mapped[str | None] = mapped_column(Text)
    logo_path: Mapped[str | None] = mapped_column(String(255))
    photos: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    rating: Mapped[Decimal] = mapped_column(Numeric(2, 1), default=Decimal("0"),
                                            server_default="0")
    # {"mon": [["09:00", "21:00"]], …}: the branch's own opening hours, local time.
    opening_hours: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    organization: Mapped[Organization] = relationship(back_populates="clinics")

    def to_brief(self) -> dict:
        return {"id": self.id, "name": self.name, "address": self.address,
                "timezone": self.timezone, "is_active": self.is_active}
