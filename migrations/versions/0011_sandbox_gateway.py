"""The sandbox acquiring gateway's orders (billing/providers/sandbox.py)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

The «bank side» of the built-in sandbox gateway: one row per registered order (id is
the order id the gateway hands out, a UUID as text). The bank's rules are checks: a
positive amount, refunds within it, an order status the protocol knows (0–6); an order
number is registered once.
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sandbox_orders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("refunded", sa.Numeric(precision=12, scale=2), server_default="0",
                  nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("return_url", sa.Text(), nullable=False),
        sa.Column("fail_url", sa.Text(), nullable=False),
        sa.Column("callback_url", sa.Text(), nullable=False),
        sa.Column("status", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_sandbox_orders_amount_positive")),
        sa.CheckConstraint("refunded >= 0 AND refunded <= amount",
                           name=op.f("ck_sandbox_orders_refunded_within_amount")),
        sa.CheckConstraint("status BETWEEN 0 AND 6", name=op.f("ck_sandbox_orders_status_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_orders")),
        sa.UniqueConstraint("order_number", name=op.f("uq_sandbox_orders_order_number")),
    )


def downgrade():
    op.drop_table("sandbox_orders")
