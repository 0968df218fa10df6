"""Consultations (document 004): clients, tickets and their history, 1С:ЦЛ's question directory

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08

Clients are upserted through `identity_key` (unique: the client_id_hash, else
e-mail|phone|INN), so racing duplicates resolve to one row (INSERT … ON CONFLICT).
A ticket's `cons_id` is ours and stable; `chatwoot_conversation_id` is filled by the
outbox and unique too.
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consultation_question_categories',
    sa.Column('key', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('deleted', sa.Boolean(), server_default='false', nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_consultation_question_categories'))
    )
    op.create_table('consultation_questions',
    sa.Column('key', sa.Uuid(), nullable=False),
    sa.Column('category_key', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('deleted', sa.Boolean(), server_default='false', nullable=False),
    sa.ForeignKeyConstraint(['category_key'], ['consultation_question_categories.key'], name=op.f('fk_consultation_questions_category_key_consultation_question_categories'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_consultation_questions'))
    )
    op.create_index(op.f('ix_consultation_questions_category_key'), 'consultation_questions', ['category_key'], unique=False)
    op.create_table('consultation_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('identity_key', sa.String(length=600), nullable=True),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('phone_number', sa.String(length=20), nullable=True),
    sa.Column('country', sa.String(length=100), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('org_inn', sa.String(length=20), nullable=True),
    sa.Column('org_id', sa.String(length=100), nullable=True),
    sa.Column('subs_id', sa.String(length=100), nullable=True),
    sa.Column('subs_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('subs_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tariff_id', sa.String(length=100), nullable=True),
    sa.Column('tariffperiod_id', sa.String(length=100), nullable=True),
    sa.Column('cl_ref_key', sa.String(length=100), nullable=True),
    sa.Column('client_id_hash', sa.String(length=255), nullable=True),
    sa.Column('external_subject', sa.String(length=400), nullable=True),
    sa.Column('chatwoot_contact_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_consultation_clients_email_lowercase')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_consultation_clients_patient_id_patients'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_clients')),
    sa.UniqueConstraint('client_id', name=op.f('uq_consultation_clients_client_id')),
    sa.UniqueConstraint('client_id_hash', name=op.f('uq_consultation_clients_client_id_hash')),
    sa.UniqueConstraint('identity_key', name=op.f('uq_consultation_clients_identity_key')),
    sa.UniqueConstraint('patient_id', name=op.f('uq_consultation_clients_patient_id'))
    )
    op.create_index(op.f('ix_consultation_clients_email'), 'consultation_clients', ['email'], unique=False)
    op.create_index(op.f('ix_consultation_clients_external_subject'), 'consultation_clients', ['external_subject'], unique=False)
    op.create_index(op.f('ix_consultation_clients_phone_number'), 'consultation_clients', ['phone_number'], unique=False)
    op.create_table('consultation_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cons_id', sa.Uuid(), nullable=False),
    sa.Column('client_pk', sa.Integer(), nullable=False),
    sa.Column('chatwoot_conversation_id', sa.Integer(), nullable=True),
    sa.Column('cl_ref_key', sa.String(length=100), nullable=True),
    sa.Column('number', sa.String(length=50), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='new', nullable=False),
    sa.Column('org_inn', sa.String(length=20), nullable=True),
    sa.Column('lang', sa.String(length=2), server_default='ru', nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('topic', sa.String(length=255), nullable=True),
    sa.Column('online_question_cat', sa.Uuid(), nullable=True),
    sa.Column('online_question', sa.Uuid(), nullable=True),
    sa.Column('importance', sa.Integer(), nullable=True),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("lang IN ('ru', 'uz')", name=op.f('ck_consultation_tickets_lang_known')),
    sa.CheckConstraint("source IN ('SITE', 'CABINET', 'MOBILE', 'STAFF')", name=op.f('ck_consultation_tickets_source_known')),
    sa.CheckConstraint("status IN ('new', 'pending', 'closed', 'other')", name=op.f('ck_consultation_tickets_status_known')),
    sa.ForeignKeyConstraint(['client_pk'], ['consultation_clients.id'], name=op.f('fk_consultation_tickets_client_pk_consultation_clients'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_consultation_tickets_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_tickets')),
    sa.UniqueConstraint('chatwoot_conversation_id', name=op.f('uq_consultation_tickets_chatwoot_conversation_id')),
    sa.UniqueConstraint('cons_id', name=op.f('uq_consultation_tickets_cons_id'))
    )
    op.create_index(op.f('ix_consultation_tickets_client_pk'), 'consultation_tickets', ['client_pk'], unique=False)
    op.create_index(op.f('ix_consultation_tickets_source'), 'consultation_tickets', ['source'], unique=False)
    op.create_index('ix_consultation_tickets_status_created', 'consultation_tickets', ['status', 'created_at'], unique=False)
    op.create_table('consultation_ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('status_before', sa.String(length=10), nullable=True),
    sa.Column('status_after', sa.String(length=10), nullable=True),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('chatwoot_message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('created', 'status', 'answer')", name=op.f('ck_consultation_ticket_events_kind_known')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_consultation_ticket_events_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['consultation_tickets.id'], name=op.f('fk_consultation_ticket_events_ticket_id_consultation_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_ticket_events'))
    )
    op.create_index(op.f('ix_consultation_ticket_events_ticket_id'), 'consultation_ticket_events', ['ticket_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_consultation_ticket_events_ticket_id'), table_name='consultation_ticket_events')
    op.drop_table('consultation_ticket_events')
    op.drop_index('ix_consultation_tickets_status_created', table_name='consultation_tickets')
    op.drop_index(op.f('ix_consultation_tickets_source'), table_name='consultation_tickets')
    op.drop_index(op.f('ix_consultation_tickets_client_pk'), table_name='consultation_tickets')
    op.drop_table('consultation_tickets')
    op.drop_index(op.f('ix_consultation_clients_phone_number'), table_name='consultation_clients')
    op.drop_index(op.f('ix_consultation_clients_external_subject'), table_name='consultation_clients')
    op.drop_index(op.f('ix_consultation_clients_email'), table_name='consultation_clients')
    op.drop_table('consultation_clients')
    op.drop_index(op.f('ix_consultation_questions_category_key'), table_name='consultation_questions')
    op.drop_table('consultation_questions')
    op.drop_table('consultation_question_categories')
