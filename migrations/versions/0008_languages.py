"""users.language and patients.language: the interface and notification language

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

NULL means "not chosen": the browser's Accept-Language decides for a signed-in user,
the clinic's default for a patient's notifications.
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# A BCP 47 primary language subtag in lower case ("ru", "en", later "kk", "uz").
_SHAPE = "language ~ '^[a-z]{2,3}$'"


def upgrade():
    for table in ("users", "patients"):
        op.add_column(table, sa.Column("language", sa.String(length=8), nullable=True))
        op.create_check_constraint(op.f(f"ck_{table}_language_shape"), table, _SHAPE)


def downgrade():
    for table in ("users", "patients"):
        op.drop_constraint(op.f(f"ck_{table}_language_shape"), table, type_="check")
        op.drop_column(table, "language")
