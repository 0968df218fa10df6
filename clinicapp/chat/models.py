"""Conversations between a patient and a doctor or a branch's front desk, and their messages.

One patient–doctor pair and one patient–desk pair have ONE conversation: unique keys
make it so even when two first messages race (the service inserts with ON CONFLICT).
Messages are text, at most MAX_CONTENT characters and never blank (checks), rendered
escaped everywhere. `from_patient` says which side wrote, so unread counts are per side:
the desk's receptionists share one conversation and one unread count.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..extensions import db
from ..org.models import Clinic
from ..patients.models import Patient

MAX_CONTENT = 4000
KINDS = ("doctor", "desk")


class Conversation(db.Model):
    __tablename__ = "chat_conversations"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'doctor' AND doctor_user_id IS NOT NULL AND clinic_id IS NULL) OR "
            "(kind = 'desk' AND clinic_id IS NOT NULL AND doctor_user_id IS NULL)",
            name="one_counterpart"),
        # NULLs are distinct: each key binds only the conversations of its own kind.
        UniqueConstraint("patient_id", "doctor_user_id"),
        UniqueConstraint("patient_id", "clinic_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    # The doctor's login (a user id): frames speak in user ids.
    doctor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # The branch whose front desk shares the conversation.
    clinic_id: Mapped[int | None] = mapped_column(
        ForeignKey("clinics.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    patient: Mapped[Patient] = relationship()
    doctor_user: Mapped[User | None] = relationship()
    clinic: Mapped[Clinic | None] = relationship()


class Message(db.Model):
    __tablename__ = "chat_messages"
    __table_args__ = (
        CheckConstraint(f"char_length(content) <= {MAX_CONTENT}", name="content_length"),
        CheckConstraint("btrim(content) <> ''", name="content_not_blank"),
        Index("ix_chat_messages_conversation_id_id", "conversation_id", "id"),
        # Unread counts read only the unread rows.
        Index("ix_chat_messages_unread", "conversation_id", "from_patient",
              postgresql_where=text("read_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    from_patient: Mapped[bool] = mapped_column(Boolean)
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    conversation: Mapped[Conversation] = relationship()
    sender: Mapped[User] = relationship(foreign_keys=[sender_id])
    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])
