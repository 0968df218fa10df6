"""The outbox of outbound jobs and the schedule of periodic jobs

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08

outbox_jobs: one row per message to an outside system, written in the same
transaction as what caused it; (topic, key) is unique so a repeated cause queues
nothing twice; the partial index is what the worker's SKIP LOCKED claim reads.
scheduled_jobs: one row per registered periodic job (interval, pause, last run).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox_jobs",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=12), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'delivered', 'dead')",
                           name=op.f("ck_outbox_jobs_status_known")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_jobs_attempts_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_jobs")),
        sa.UniqueConstraint("topic", "key", name="uq_outbox_jobs_topic_key"),
    )
    op.create_index("ix_outbox_jobs_due", "outbox_jobs", ["not_before", "id"],
                    postgresql_where=sa.text("status = 'queued'"))
    op.create_table(
        "scheduled_jobs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("every_minutes", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_outcome", sa.String(length=12), nullable=True),
        sa.Column("last_message", sa.Text(), nullable=True),
        sa.CheckConstraint("every_minutes BETWEEN 1 AND 10080",
                           name=op.f("ck_scheduled_jobs_every_minutes_range")),
        sa.CheckConstraint("last_outcome IN ('ok', 'failed')",
                           name=op.f("ck_scheduled_jobs_last_outcome_known")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduled_jobs")),
    )


def downgrade():
    op.drop_table("scheduled_jobs")
    op.drop_index("ix_outbox_jobs_due", table_name="outbox_jobs")
    op.drop_table("outbox_jobs")
