"""Consultations: the Chatwoot status we last pushed for a ticket, and when

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08

Chatwoot's webhook reports our own status pushes back. They are recognized by what we
pushed (`chatwoot_pushed_status`) within a short window after the push
(`chatwoot_pushed_at`), not by comparing with the ticket's status: our «other» is shown
as open, and a genuine reopen from Chatwoot must still turn it into «new».
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("consultation_tickets",
                  sa.Column("chatwoot_pushed_status", sa.String(length=20), nullable=True))
    op.add_column("consultation_tickets",
                  sa.Column("chatwoot_pushed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column("consultation_tickets", "chatwoot_pushed_at")
    op.drop_column("consultation_tickets", "chatwoot_pushed_status")
