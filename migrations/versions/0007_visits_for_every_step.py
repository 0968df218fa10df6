"""visits: every visit step has its row, with who marked it; rows for older steps

Until now the calendar dialog and the no-show job moved appointments to
arrived / in_progress / completed / no_show without a visit row. From now on
one service writes both; this revision adds who marked each step (and when a
no-show was marked) and backfills a visit for every appointment in a visit
status that has none, taking times and actors from the audit log where it has
them (else the appointment's own times, actor unknown).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ACTORS = ("arrived_by_id", "started_by_id", "finished_by_id", "no_show_by_id")

# The latest audited step of each kind for an appointment (status_changed, or the
# no-show job's own action before this revision).
STEP = """LEFT JOIN LATERAL (
    SELECT e.created_at, e.actor_id FROM audit_entries e
    WHERE e.target_type = 'appointments' AND e.target_id = a.id::text
      AND e.action IN ('appointment.status_changed', 'appointment.no_show')
      AND e.changes -> 'status' ->> 1 = '{status}'
    ORDER BY e.id DESC LIMIT 1) {alias} ON true"""

BACKFILL = f"""
INSERT INTO visits (appointment_id, status, arrived_at, started_at, finished_at, no_show_at,
                    arrived_by_id, started_by_id, finished_by_id, no_show_by_id,
                    created_at, updated_at)
SELECT a.id, a.status,
       CASE WHEN a.status IN ('arrived', 'in_progress', 'completed')
            THEN COALESCE(arr.created_at, st.created_at, fin.created_at, a.starts_at) END,
       CASE WHEN a.status IN ('in_progress', 'completed')
            THEN COALESCE(st.created_at, fin.created_at, a.starts_at) END,
       CASE WHEN a.status = 'completed' THEN COALESCE(fin.created_at, a.ends_at) END,
       CASE WHEN a.status = 'no_show' THEN COALESCE(ns.created_at, a.updated_at) END,
       CASE WHEN a.status IN ('arrived', 'in_progress', 'completed')
            THEN COALESCE(arr.actor_id, st.actor_id, fin.actor_id) END,
       CASE WHEN a.status IN ('in_progress', 'completed')
            THEN COALESCE(st.actor_id, fin.actor_id) END,
       CASE WHEN a.status = 'completed' THEN fin.actor_id END,
       CASE WHEN a.status = 'no_show' THEN ns.actor_id END,
       now(), now()
FROM appointments a
{STEP.format(status="arrived", alias="arr")}
{STEP.format(status="in_progress", alias="st")}
{STEP.format(status="completed", alias="fin")}
{STEP.format(status="no_show", alias="ns")}
WHERE a.status IN ('arrived', 'in_progress', 'completed', 'no_show')
  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.appointment_id = a.id)
"""


def upgrade():
    op.add_column("visits", sa.Column("no_show_at", sa.DateTime(timezone=True), nullable=True))
    for column in ACTORS:
        op.add_column("visits", sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(f"fk_visits_{column}_users", "visits", "users", [column], ["id"],
                              ondelete="SET NULL")
    op.execute(BACKFILL)


def downgrade():
    for column in ACTORS:
        op.drop_constraint(f"fk_visits_{column}_users", "visits", type_="foreignkey")
        op.drop_column("visits", column)
    op.drop_column("visits", "no_show_at")
