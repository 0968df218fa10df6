"""organizations.timezone: the clock of what belongs to no branch (price history, reports)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    # Moscow, the zone the catalog showed its history in until now: nothing moves on screen.
    op.add_column("organizations", sa.Column("timezone", sa.String(length=64), nullable=False,
                                             server_default="Europe/Moscow"))


def downgrade():
    op.drop_column("organizations", "timezone")
