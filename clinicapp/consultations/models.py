"""Consultations (document 004): CRM clients, their tickets, each ticket's history, and
1С:ЦЛ's question directory.

Identity rules the database keeps true:
- `clients.client_id` is unique; a client linked to a patient carries that patient's
  `patients.client_id` (one identity), at most one client per patient;
- `clients.identity_key` (the normalized `client_id_hash`, else e-mail|phone|INN; an
  OpenID subject's own ones prefixed with its digest) is unique, so the upsert is an
  INSERT … ON CONFLICT and racing duplicates resolve to one row;
- a ticket's `cons_id` (ours, stable) and `chatwoot_conversation_id` (filled by the sync)
  are each unique.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.models import TimestampMixin
from ..extensions import db
from ..patients.models import Patient

STATUSES = ("new", "pending", "closed", "other")
LANGUAGES = ("ru", "uz")
SOURCES = ("SITE", "CABINET", "MOBILE", "STAFF")


def _in(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


class Client(TimestampMixin, db.Model):
    """A CRM contact of document 004."""

    __tablename__ = "consultation_clients"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    # The unique key of the upsert (see identity_key()); NULL for a client with no contact
    # and no hash (only a patient's own client can be one).
    identity_key: Mapped[str | None] = mapped_column(String(600), unique=True)
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="SET NULL"), unique=True)
    email: Mapped[str | None] = mapped_column(String(255), index=True)
    phone_number: Mapped[str | None] = mapped_column(String(20), index=True)  # E.164
    country: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    org_inn: Mapped[str | None] = mapped_column(String(20))
    org_id: Mapped[str | None] = mapped_column(String(100))
    subs_id: Mapped[str | None] = mapped_column(String(100))
    subs_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    subs_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tariff_id: Mapped[str | None] = mapped_column(String(100))
    tariffperiod_id: Mapped[str | None] = mapped_column(String(100))
    cl_ref_key: Mapped[str | None] = mapped_column(String(100))
    client_id_hash: Mapped[str | None] = mapped_column(String(255), unique=True)
    # Who created it through an OpenID token (`iss|sub`): such a caller reads only its own.
    external_subject: Mapped[str | None] = mapped_column(String(400), index=True)
    chatwoot_contact_id: Mapped[int | None] = mapped_column(Integer)

    patient: Mapped[Patient | None] = relationship()


class Ticket(TimestampMixin, db.Model):
    """A consultation: `cons_id` is ours and stable; Chatwoot's and 1С:ЦЛ's ids come later."""

    __tablename__ = "consultation_tickets"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(STATUSES)})", name="status_known"),
        CheckConstraint(f"lang IN ({_in(LANGUAGES)})", name="lang_known"),
        CheckConstraint(f"source IN ({_in(SOURCES)})", name="source_known"),
        Index("ix_consultation_tickets_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cons_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    client_pk: Mapped[int] = mapped_column(
        ForeignKey("consultation_clients.id", ondelete="RESTRICT"), index=True)
    chatwoot_conversation_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    cl_ref_key: Mapped[str | None] = mapped_column(String(100))
    number: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(10), default="new", server_default="new")
    org_inn: Mapped[str | None] = mapped_column(String(20))
    lang: Mapped[str] = mapped_column(String(2), default="ru", server_default="ru")
    comment: Mapped[str] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(String(255))
    online_question_cat: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    online_question: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    importance: Mapped[int | None] = mapped_column(Integer)
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(10), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The Chatwoot status our last staff change pushed, and when: its echo from the
    # webhook is recognized by it (tickets.apply_chatwoot_status), nothing else is.
    chatwoot_pushed_status: Mapped[str | None] = mapped_column(String(20))
    chatwoot_pushed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    client: Mapped[Client] = relationship()


EVENT_KINDS = ("created", "status", "answer")


class TicketEvent(db.Model):
    """One line of a ticket's history: created, a status change, a staff answer."""

    __tablename__ = "consultation_ticket_events"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(EVENT_KINDS)})", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    body: Mapped[str | None] = mapped_column(Text)
    status_before: Mapped[str | None] = mapped_column(String(10))
    status_after: Mapped[str | None] = mapped_column(String(10))
    # "staff", "chatwoot", "api": where the change came from.
    origin: Mapped[str] = mapped_column(String(10))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # An answer: the Chatwoot message id once the outbox delivered it.
    chatwoot_message_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=db.func.now())

    author: Mapped[User | None] = relationship()


class QuestionCategory(db.Model):
    """A folder of 1С:ЦЛ's question catalog (`online_question_cat`)."""

    __tablename__ = "consultation_question_categories"

    key: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")


class Question(db.Model):
    """An item of 1С:ЦЛ's question catalog (`online_question`)."""

    __tablename__ = "consultation_questions"

    key: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    category_key: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("consultation_question_categories.key", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
