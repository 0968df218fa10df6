"""Patient records; sensitive fields are encrypted, the phone stays searchable."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.crypto import EncryptedText
from ..core.models import TimestampMixin
from ..extensions import db

SEX_CHOICES = ("M", "F")


class Patient(TimestampMixin, db.Model):
    __tablename__ = "patients"
    __table_args__ = (
        CheckConstraint("sex IN ('M', 'F')", name="sex_known"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("language ~ '^[a-z]{2,3}$'", name="language_shape"),
        # Trigram indexes: search-as-you-type by any part of the name or phone.
        Index("ix_patients_search_name_trgm", "search_name", postgresql_using="gin",
              postgresql_ops={"search_name": "gin_trgm_ops"}),
        Index("ix_patients_phone_trgm", "phone", postgresql_using="gin",
              postgresql_ops={"phone": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    # The branch that registered the patient (patients are shared by all branches).
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id", ondelete="SET NULL"))
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date, index=True)
    sex: Mapped[str | None] = mapped_column(String(1))
    # E.164; the first is the main number, the rest are extra numbers.
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    extra_phones: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list,
                                                    server_default="{}")
    email: Mapped[str | None] = mapped_column(String(255), index=True)
    address: Mapped[str | None] = mapped_column(Text)
    document_type: Mapped[str | None] = mapped_column(String(50))
    document_number: Mapped[str | None] = mapped_column(EncryptedText)
    notes: Mapped[str | None] = mapped_column(EncryptedText)
    # The language of the patient's notifications and cabinet; None: the clinic's default.
    language: Mapped[str | None] = mapped_column(String(8))
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    external_1c_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    external_bitrix_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                unique=True)
    search_name: Mapped[str] = mapped_column(
        Text, Computed("lower(last_name || ' ' || first_name || ' ' || "
                       "coalesce(middle_name, ''))", persisted=True))

    user: Mapped[User | None] = relationship()

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        """`Иванов И. П.`: the surname and initials (the calendar's narrow blocks)."""
        initials = " ".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip()
