"""working hours: a doctor's weekly intervals never overlap (one place at a time)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    # btree_gist is there since 0003 (the appointments' exclusion constraint).
    op.execute(
        "ALTER TABLE working_intervals ADD CONSTRAINT ex_working_intervals_no_overlap "
        "EXCLUDE USING gist (employee_id WITH =, weekday WITH =, "
        "tsrange(DATE '2000-01-03' + starts_at, DATE '2000-01-03' + ends_at) WITH &&)")


def downgrade():
    op.drop_constraint("ex_working_intervals_no_overlap", "working_intervals")
