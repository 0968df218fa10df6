"""The outbox table: outbound work written in the same transaction as what caused it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

STATUSES = ("queued", "delivered", "dead")


class OutboxJob(db.Model):
    """One message to an outside system (Chatwoot, 1C, e-mail, SMS…).

    `queued` jobs are delivered by the outbox worker once `not_before` has passed;
    `delivered` is final; `dead` after OUTBOX_MAX_ATTEMPTS failures, until an
    administrator puts it back in the queue.
    """

    __tablename__ = "outbox_jobs"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})",
                        name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # One job per idempotency key and topic (NULL keys never collide).
        UniqueConstraint("topic", "key", name="uq_outbox_jobs_topic_key"),
        # What the worker's claim reads: due jobs in order.
        Index("ix_outbox_jobs_due", "not_before", "id",
              postgresql_where=text("status = 'queued'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    key: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(12), default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
