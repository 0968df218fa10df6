"""Price history with effective dates: planned price changes, one live price per day

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

`service_prices.effective_from` is the organization's day a price takes effect on;
existing rows take effect from the day they were written (in the organization's zone).
`valid_from` (when the row was written) becomes `set_at`. A planned price can be
cancelled (`cancelled_at`, `cancelled_by_id`); a second price for the same day replaces
the first (`replaced_at`): of the rows written on one day before this migration, all but
the last are marked replaced at the moment the next one was written. A partial unique
index keeps one live price per service and day. A service that has no history row gets
one from its own price, effective from the day it was created.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEX = "uq_service_prices_service_id_effective_from"
LIVE = "cancelled_at IS NULL AND replaced_at IS NULL"
# The organization's zone (org/clock.py), Moscow when there is no organization yet.
ZONE = ("coalesce((SELECT timezone FROM organizations ORDER BY id LIMIT 1), "
        "'Europe/Moscow')")


def upgrade():
    op.alter_column("service_prices", "valid_from", new_column_name="set_at")
    op.add_column("service_prices", sa.Column("effective_from", sa.Date(), nullable=True))
    op.add_column("service_prices", sa.Column("cancelled_at", sa.DateTime(timezone=True),
                                              nullable=True))
    op.add_column("service_prices", sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
    op.add_column("service_prices", sa.Column("replaced_at", sa.DateTime(timezone=True),
                                              nullable=True))
    op.create_foreign_key(op.f("fk_service_prices_cancelled_by_id_users"), "service_prices",
                          "users", ["cancelled_by_id"], ["id"], ondelete="SET NULL")
    op.execute("""
        INSERT INTO service_prices (service_id, price, set_at, changed_by_id)
        SELECT s.id, s.price, s.created_at, NULL FROM services s
        WHERE NOT EXISTS (SELECT 1 FROM service_prices p WHERE p.service_id = s.id)
    """)
    op.execute(f"UPDATE service_prices SET effective_from = (set_at AT TIME ZONE {ZONE})::date")
    op.execute("""
        UPDATE service_prices p SET replaced_at = later.next_set_at
        FROM (SELECT id, lead(set_at) OVER (PARTITION BY service_id, effective_from
                                            ORDER BY set_at, id) AS next_set_at,
                     row_number() OVER (PARTITION BY service_id, effective_from
                                        ORDER BY set_at DESC, id DESC) AS from_last
              FROM service_prices) later
        WHERE later.id = p.id AND later.from_last > 1
    """)
    op.alter_column("service_prices", "effective_from", nullable=False)
    op.create_check_constraint(op.f("ck_service_prices_cancelled_or_replaced"),
                               "service_prices", "cancelled_at IS NULL OR replaced_at IS NULL")
    op.create_index(INDEX, "service_prices", ["service_id", "effective_from"], unique=True,
                    postgresql_where=sa.text(LIVE))


def downgrade():
    op.drop_index(INDEX, table_name="service_prices", postgresql_where=sa.text(LIVE))
    op.drop_constraint(op.f("ck_service_prices_cancelled_or_replaced"), "service_prices",
                       type_="check")
    op.drop_constraint(op.f("fk_service_prices_cancelled_by_id_users"), "service_prices",
                       type_="foreignkey")
    for column in ("replaced_at", "cancelled_by_id", "cancelled_at", "effective_from"):
        op.drop_column("service_prices", column)
    op.alter_column("service_prices", "set_at", new_column_name="valid_from")
