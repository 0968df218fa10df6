"""scheduling: working hours, exceptions, appointments (no double booking), visits

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 17:11:37.929250

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # btree_gist lets one exclusion constraint mix `=` on the doctor with `&&` on time.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table('schedule_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=True),
    sa.Column('ends_at', sa.Time(), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.CheckConstraint("kind <> 'extra_shift' OR (starts_at IS NOT NULL AND clinic_id IS NOT NULL)", name=op.f('ck_schedule_exceptions_extra_shift_has_times_and_branch')),
    sa.CheckConstraint("kind IN ('day_off', 'vacation', 'sick_leave', 'extra_shift')", name=op.f('ck_schedule_exceptions_kind_known')),
    sa.CheckConstraint('(starts_at IS NULL) = (ends_at IS NULL)', name=op.f('ck_schedule_exceptions_times_together')),
    sa.CheckConstraint('ends_at IS NULL OR ends_at > starts_at', name=op.f('ck_schedule_exceptions_ends_after_start')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_schedule_exceptions_clinic_id_clinics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_schedule_exceptions_employee_id_employees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_exceptions'))
    )
    op.create_index('ix_schedule_exceptions_employee_day', 'schedule_exceptions', ['employee_id', 'day'], unique=False)
    op.create_table('working_intervals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_working_intervals_ends_after_start')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_working_intervals_weekday_range')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_working_intervals_clinic_id_clinics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_working_intervals_employee_id_employees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_intervals'))
    )
    op.create_index('ix_working_intervals_employee_weekday', 'working_intervals', ['employee_id', 'weekday'], unique=False)
    op.create_table('appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='booked', nullable=False),
    sa.Column('is_primary', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('source', sa.String(length=10), server_default='staff', nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=255), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outside_hours', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    postgresql.ExcludeConstraint((sa.column('employee_id'), '='), (sa.text("tstzrange(starts_at, ends_at, '[)')"), '&&'), where=sa.text("status <> 'cancelled'"), using='gist', name='ex_appointments_no_double_booking'),
    sa.CheckConstraint("source IN ('staff', 'web', 'mobile', 'cabinet')", name=op.f('ck_appointments_source_known')),
    sa.CheckConstraint("status IN ('booked', 'confirmed', 'arrived', 'in_progress', 'completed', 'cancelled', 'no_show')", name=op.f('ck_appointments_status_known')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_appointments_ends_after_start')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_appointments_clinic_id_clinics'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_appointments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_appointments_employee_id_employees'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_appointments_patient_id_patients'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_appointments_service_id_services'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments'))
    )
    op.create_index('ix_appointments_clinic_starts', 'appointments', ['clinic_id', 'starts_at'], unique=False)
    op.create_index('ix_appointments_patient_starts', 'appointments', ['patient_id', 'starts_at'], unique=False)
    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('arrived', 'in_progress', 'completed', 'no_show')", name=op.f('ck_visits_status_known')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_visits_appointment_id_appointments'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
    sa.UniqueConstraint('appointment_id', name=op.f('uq_visits_appointment_id'))
    )


def downgrade():
    op.drop_table('visits')
    op.drop_index('ix_appointments_patient_starts', table_name='appointments')
    op.drop_index('ix_appointments_clinic_starts', table_name='appointments')
    op.drop_table('appointments')
    op.drop_index('ix_working_intervals_employee_weekday', table_name='working_intervals')
    op.drop_table('working_intervals')
    op.drop_index('ix_schedule_exceptions_employee_day', table_name='schedule_exceptions')
    op.drop_table('schedule_exceptions')
    op.execute("DROP EXTENSION IF EXISTS btree_gist")
