"""registry: organization requisites, clinics, employees, patients, catalog, favourites

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 16:10:48.781152

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    # Trigram indexes make search-as-you-type by name and phone fast.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('service_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('parent_id <> id', name=op.f('ck_service_categories_not_own_parent')),
    sa.ForeignKeyConstraint(['parent_id'], ['service_categories.id'], name=op.f('fk_service_categories_parent_id_service_categories'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_categories'))
    )
    op.create_index(op.f('ix_service_categories_parent_id'), 'service_categories', ['parent_id'], unique=False)
    op.create_table('employees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('middle_name', sa.String(length=100), nullable=True),
    sa.Column('position', sa.String(length=150), server_default='', nullable=False),
    sa.Column('specializations', postgresql.ARRAY(sa.String(length=100)), server_default='{}', nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('hire_date', sa.Date(), nullable=True),
    sa.Column('color', sa.String(length=7), server_default='#2196F3', nullable=False),
    sa.Column('photo_path', sa.String(length=255), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('rating', sa.Numeric(precision=2, scale=1), server_default='0', nullable=False),
    sa.Column('is_doctor', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("color ~ '^#[0-9A-Fa-f]{6}$'", name=op.f('ck_employees_color_hex')),
    sa.CheckConstraint('rating >= 0 AND rating <= 5', name=op.f('ck_employees_rating_range')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_employees_organization_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_employees_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employees')),
    sa.UniqueConstraint('user_id', name=op.f('uq_employees_user_id'))
    )
    op.create_index(op.f('ix_employees_organization_id'), 'employees', ['organization_id'], unique=False)
    op.create_table('services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('duration_minutes > 0 AND duration_minutes <= 720', name=op.f('ck_services_duration_range')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_services_price_nonnegative')),
    sa.ForeignKeyConstraint(['category_id'], ['service_categories.id'], name=op.f('fk_services_category_id_service_categories'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services')),
    sa.UniqueConstraint('code', name=op.f('uq_services_code'))
    )
    op.create_index(op.f('ix_services_category_id'), 'services', ['category_id'], unique=False)
    op.create_table('employee_branches',
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_employee_branches_clinic_id_clinics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_employee_branches_employee_id_employees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('employee_id', 'clinic_id', name=op.f('pk_employee_branches'))
    )
    op.create_table('favorite_clinics',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_favorite_clinics_clinic_id_clinics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_favorite_clinics_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'clinic_id', name=op.f('pk_favorite_clinics'))
    )
    op.create_table('favorite_doctors',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_favorite_doctors_employee_id_employees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_favorite_doctors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'employee_id', name=op.f('pk_favorite_doctors'))
    )
    op.create_table('patients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('middle_name', sa.String(length=100), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('extra_phones', postgresql.ARRAY(sa.String(length=20)), server_default='{}', nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('document_type', sa.String(length=50), nullable=True),
    sa.Column('document_number', sa.Text(), nullable=True),  # encrypted (Fernet) in Python
    sa.Column('notes', sa.Text(), nullable=True),  # encrypted (Fernet) in Python
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('external_1c_id', sa.String(length=100), nullable=True),
    sa.Column('external_bitrix_id', sa.String(length=100), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('search_name', sa.Text(), sa.Computed("lower(last_name || ' ' || first_name || ' ' || coalesce(middle_name, ''))", persisted=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("sex IN ('M', 'F')", name=op.f('ck_patients_sex_known')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_patients_email_lowercase')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_patients_clinic_id_clinics'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_patients_organization_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_patients_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patients')),
    sa.UniqueConstraint('client_id', name=op.f('uq_patients_client_id')),
    sa.UniqueConstraint('external_1c_id', name=op.f('uq_patients_external_1c_id')),
    sa.UniqueConstraint('external_bitrix_id', name=op.f('uq_patients_external_bitrix_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_patients_user_id'))
    )
    op.create_index(op.f('ix_patients_birth_date'), 'patients', ['birth_date'], unique=False)
    op.create_index(op.f('ix_patients_email'), 'patients', ['email'], unique=False)
    op.create_index(op.f('ix_patients_organization_id'), 'patients', ['organization_id'], unique=False)
    op.create_index(op.f('ix_patients_phone'), 'patients', ['phone'], unique=False)
    op.create_index('ix_patients_phone_trgm', 'patients', ['phone'], unique=False, postgresql_using='gin', postgresql_ops={'phone': 'gin_trgm_ops'})
    op.create_index('ix_patients_search_name_trgm', 'patients', ['search_name'], unique=False, postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'})
    op.create_table('service_clinics',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_service_clinics_clinic_id_clinics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_clinics_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'clinic_id', name=op.f('pk_service_clinics'))
    )
    op.create_table('service_doctors',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_service_doctors_employee_id_employees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_doctors_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'employee_id', name=op.f('pk_service_doctors'))
    )
    op.create_table('service_prices',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('price >= 0', name=op.f('ck_service_prices_price_nonnegative')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_service_prices_changed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_prices_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_prices'))
    )
    op.create_index(op.f('ix_service_prices_service_id'), 'service_prices', ['service_id'], unique=False)
    op.add_column('clinics', sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True))
    op.add_column('clinics', sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True))
    op.add_column('clinics', sa.Column('description', sa.Text(), nullable=True))
    op.add_column('clinics', sa.Column('logo_path', sa.String(length=255), nullable=True))
    op.add_column('clinics', sa.Column('photos', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False))
    op.add_column('clinics', sa.Column('rating', sa.Numeric(precision=2, scale=1), server_default='0', nullable=False))
    op.add_column('clinics', sa.Column('opening_hours', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False))
    op.add_column('organizations', sa.Column('postal_address', sa.Text(), nullable=True))
    op.add_column('organizations', sa.Column('bank_name', sa.String(length=255), nullable=True))
    op.add_column('organizations', sa.Column('bik', sa.String(length=9), nullable=True))
    op.add_column('organizations', sa.Column('settlement_account', sa.String(length=20), nullable=True))
    op.add_column('organizations', sa.Column('correspondent_account', sa.String(length=20), nullable=True))
    op.add_column('organizations', sa.Column('logo_path', sa.String(length=255), nullable=True))
    # Names unique whatever the letter case: branches per organization, categories per parent.
    op.create_index('uq_clinics_organization_id_lower_name', 'clinics',
                    ['organization_id', sa.text('lower(name)')], unique=True)
    op.create_index('uq_service_categories_parent_lower_name', 'service_categories',
                    [sa.text('coalesce(parent_id, 0)'), sa.text('lower(name)')], unique=True)


def downgrade():
    op.drop_index('uq_service_categories_parent_lower_name', table_name='service_categories')
    op.drop_index('uq_clinics_organization_id_lower_name', table_name='clinics')
    op.drop_column('organizations', 'logo_path')
    op.drop_column('organizations', 'correspondent_account')
    op.drop_column('organizations', 'settlement_account')
    op.drop_column('organizations', 'bik')
    op.drop_column('organizations', 'bank_name')
    op.drop_column('organizations', 'postal_address')
    op.drop_column('clinics', 'opening_hours')
    op.drop_column('clinics', 'rating')
    op.drop_column('clinics', 'photos')
    op.drop_column('clinics', 'logo_path')
    op.drop_column('clinics', 'description')
    op.drop_column('clinics', 'longitude')
    op.drop_column('clinics', 'latitude')
    op.drop_index(op.f('ix_service_prices_service_id'), table_name='service_prices')
    op.drop_table('service_prices')
    op.drop_table('service_doctors')
    op.drop_table('service_clinics')
    op.drop_index('ix_patients_search_name_trgm', table_name='patients', postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'})
    op.drop_index('ix_patients_phone_trgm', table_name='patients', postgresql_using='gin', postgresql_ops={'phone': 'gin_trgm_ops'})
    op.drop_index(op.f('ix_patients_phone'), table_name='patients')
    op.drop_index(op.f('ix_patients_organization_id'), table_name='patients')
    op.drop_index(op.f('ix_patients_email'), table_name='patients')
    op.drop_index(op.f('ix_patients_birth_date'), table_name='patients')
    op.drop_table('patients')
    op.drop_table('favorite_doctors')
    op.drop_table('favorite_clinics')
    op.drop_table('employee_branches')
    op.drop_index(op.f('ix_services_category_id'), table_name='services')
    op.drop_table('services')
    op.drop_index(op.f('ix_employees_organization_id'), table_name='employees')
    op.drop_table('employees')
    op.drop_index(op.f('ix_service_categories_parent_id'), table_name='service_categories')
    op.drop_table('service_categories')
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
