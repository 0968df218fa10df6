"""audit: entries are append-only in the database (no UPDATE, DELETE or TRUNCATE)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# A trigger, not REVOKE: triggers bind every role, the owner and the superuser the
# embedded server runs as included, where a revoked privilege would not.
REFUSE = """
CREATE FUNCTION audit_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Record a new entry that corrects the old one.';
END
$$
"""


def upgrade():
    op.execute(REFUSE)
    # Statement-level, so even an UPDATE or DELETE that matches no row is refused;
    # TRUNCATE has only statement-level triggers.
    op.execute("CREATE TRIGGER audit_entries_append_only "
               "BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_entries "
               "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse_change()")
    # SET NULL would rewrite the actor of old entries when a user is deleted (and the
    # trigger would then refuse it with a puzzling message): refuse the deletion itself.
    op.drop_constraint("fk_audit_entries_actor_id_users", "audit_entries", type_="foreignkey")
    op.create_foreign_key("fk_audit_entries_actor_id_users", "audit_entries", "users",
                          ["actor_id"], ["id"], ondelete="RESTRICT")


def downgrade():
    op.drop_constraint("fk_audit_entries_actor_id_users", "audit_entries", type_="foreignkey")
    op.create_foreign_key("fk_audit_entries_actor_id_users", "audit_entries", "users",
                          ["actor_id"], ["id"], ondelete="SET NULL")
    op.execute("DROP TRIGGER audit_entries_append_only ON audit_entries")
    op.execute("DROP FUNCTION audit_entries_refuse_change()")
