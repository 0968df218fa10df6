"""Billing: invoices and their lines, payments, refunds; the organization's currency

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

`organizations.currency` (ISO 4217, RUB for every existing organization). Invoice
numbers count per organization and year (`invoice_counters`). The money rules are check
constraints (paid within the total, pending within what is due, refunds within the
payment) and a partial unique index keeps one live invoice per appointment. Payments and
refunds are a ledger: a trigger refuses to delete them or to change what was paid.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


# What a payment or refund row was written with and may never change afterwards (a
# column written NULL may be filled in once).
LEDGER_COLUMNS = {"payments": ("invoice_id", "method", "amount", "provider", "external_id"),
                  "refunds": ("payment_id", "amount", "written_off")}
LEDGER_FUNCTION = """
CREATE FUNCTION billing_ledger_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    name text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% is a ledger: rows are never deleted', TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    FOREACH name IN ARRAY TG_ARGV LOOP
        -- NULL may be filled in once (the bank's order id arrives after the insert).
        IF jsonb_typeof(to_jsonb(OLD) -> name) <> 'null'
           AND (to_jsonb(OLD) -> name) IS DISTINCT FROM (to_jsonb(NEW) -> name) THEN
            RAISE EXCEPTION '%.% is written once', TG_TABLE_NAME, name
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END LOOP;
    RETURN NEW;
END $$
"""


def upgrade():
    op.create_table('invoice_counters',
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_invoice_counters_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organization_id', 'year', name=op.f('pk_invoice_counters'))
    )
    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='draft', nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('paid', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('pending', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('refunded', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('written_off', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_invoices_currency_iso')),
    sa.CheckConstraint("status IN ('draft', 'issued', 'partially_paid', 'paid', 'refunded', 'cancelled')", name=op.f('ck_invoices_status_known')),
    sa.CheckConstraint('paid >= 0 AND paid <= total', name=op.f('ck_invoices_paid_within_total')),
    sa.CheckConstraint('pending >= 0 AND paid + written_off + pending <= total', name=op.f('ck_invoices_pending_within_due')),
    sa.CheckConstraint('written_off >= 0 AND written_off <= refunded', name=op.f('ck_invoices_written_off_within_refunded')),
    sa.CheckConstraint('refunded >= 0', name=op.f('ck_invoices_refunded_not_negative')),
    sa.CheckConstraint('total >= 0', name=op.f('ck_invoices_total_not_negative')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_invoices_appointment_id_appointments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_invoices_cancelled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_invoices_clinic_id_clinics'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_invoices_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_invoices_issued_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_invoices_organization_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_invoices_patient_id_patients'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_invoices_visit_id_visits'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('organization_id', 'number', name='uq_invoices_organization_number')
    )
    op.create_index('ix_invoices_clinic_created', 'invoices', ['clinic_id', 'created_at'], unique=False)
    op.create_index('ix_invoices_patient', 'invoices', ['patient_id'], unique=False)
    op.create_index('uq_invoices_appointment_live', 'invoices', ['appointment_id'], unique=True, postgresql_where=sa.text("status <> 'cancelled' AND appointment_id IS NOT NULL"))
    op.create_table('invoice_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=50), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('quantity', sa.SmallInteger(), nullable=False),
    sa.Column('discount_percent', sa.Numeric(precision=5, scale=2), server_default='0', nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_invoice_lines_amount_not_negative')),
    sa.CheckConstraint('discount_percent >= 0 AND discount_percent <= 100', name=op.f('ck_invoice_lines_discount_range')),
    sa.CheckConstraint('quantity >= 1 AND quantity <= 999', name=op.f('ck_invoice_lines_quantity_range')),
    sa.CheckConstraint('unit_price >= 0', name=op.f('ck_invoice_lines_unit_price_not_negative')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_lines_invoice_id_invoices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_invoice_lines_service_id_services'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines'))
    )
    op.create_index('ix_invoice_lines_invoice', 'invoice_lines', ['invoice_id'], unique=False)
    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('refunded', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('tendered', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.Column('provider', sa.String(length=20), nullable=True),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('payment_url', sa.Text(), nullable=True),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('failure_reason', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("method IN ('cash', 'card', 'online', 'certificate', 'points')", name=op.f('ck_payments_method_known')),
    sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'refunded')", name=op.f('ck_payments_status_known')),
    sa.CheckConstraint("tendered IS NULL OR (method = 'cash' AND tendered >= amount)", name=op.f('ck_payments_tendered_covers_cash')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount_positive')),
    sa.CheckConstraint('refunded >= 0 AND refunded <= amount', name=op.f('ck_payments_refunded_within_amount')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payments_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['taken_by_id'], ['users.id'], name=op.f('fk_payments_taken_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    op.create_index('ix_payments_invoice', 'payments', ['invoice_id'], unique=False)
    op.create_index('ix_payments_pending', 'payments', ['created_at'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    op.create_index('uq_payments_external_id', 'payments', ['provider', 'external_id'], unique=True, postgresql_where=sa.text('external_id IS NOT NULL'))
    op.create_table('refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('written_off', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failure_reason', sa.String(length=255), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name=op.f('ck_refunds_status_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_refunds_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_refunds_payment_id_payments'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds'))
    )
    op.create_index('ix_refunds_payment', 'refunds', ['payment_id'], unique=False)
    op.add_column('organizations', sa.Column('currency', sa.String(length=3), server_default='RUB', nullable=False))
    op.create_check_constraint(op.f('ck_organizations_currency_iso'), 'organizations',
                               "currency ~ '^[A-Z]{3}$'")
    op.execute(LEDGER_FUNCTION)
    for table, columns in LEDGER_COLUMNS.items():
        op.execute(f"""
            CREATE TRIGGER {table}_ledger BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION billing_ledger_guard({', '.join(columns)})""")


def downgrade():
    for table in LEDGER_COLUMNS:
        op.execute(f"DROP TRIGGER {table}_ledger ON {table}")
    op.execute("DROP FUNCTION billing_ledger_guard()")
    op.drop_constraint(op.f('ck_organizations_currency_iso'), 'organizations', type_='check')
    op.drop_column('organizations', 'currency')
    op.drop_index('ix_refunds_payment', table_name='refunds')
    op.drop_table('refunds')
    op.drop_index('uq_payments_external_id', table_name='payments', postgresql_where=sa.text('external_id IS NOT NULL'))
    op.drop_index('ix_payments_pending', table_name='payments', postgresql_where=sa.text("status = 'pending'"))
    op.drop_index('ix_payments_invoice', table_name='payments')
    op.drop_table('payments')
    op.drop_index('ix_invoice_lines_invoice', table_name='invoice_lines')
    op.drop_table('invoice_lines')
    op.drop_index('uq_invoices_appointment_live', table_name='invoices', postgresql_where=sa.text("status <> 'cancelled' AND appointment_id IS NOT NULL"))
    op.drop_index('ix_invoices_patient', table_name='invoices')
    op.drop_index('ix_invoices_clinic_created', table_name='invoices')
    op.drop_table('invoices')
    op.drop_table('invoice_counters')
