"""visits: every visit step has its row, with who marked it; rows for older steps

Until now the calendar dialog and the no-show job moved appointments to
arrived / in_progress / completed / no_show without a visit row. From now on
one service writes both; this revision adds who marked each step (and when a
no-show was marked), backfills a visit for every appointment in a visit status
that has none, and brings the visits that exist up to their appointment's
status (a visit opened at the desk and moved on in the calendar), taking times
and actors from the audit log where it has them (else the appointment's own
times, actor unknown). An index by target makes those look-ups cheap (and a
thing's history).

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

STEPS = "\n".join(STEP.format(status=status, alias=alias) for status, alias in (
    ("arrived", "arr"), ("in_progress", "st"), ("completed", "fin"), ("no_show", "ns")))

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
{STEPS}
WHERE a.status IN ('arrived', 'in_progress', 'completed', 'no_show')
  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.appointment_id = a.id)
"""

# Visits behind their appointment: keep what they have, fill what the later steps imply.
CATCH_UP = f"""
UPDATE visits v SET
    status = a.status,
    arrived_at = CASE WHEN a.status IN ('arrived', 'in_progress', 'completed')
        THEN COALESCE(v.arrived_at, arr.created_at, st.created_at, fin.created_at, a.starts_at)
        ELSE v.arrived_at END,
    arrived_by_id = CASE WHEN a.status IN ('arrived', 'in_progress', 'completed')
                          AND v.arrived_at IS NULL
        THEN COALESCE(arr.actor_id, st.actor_id, fin.actor_id) ELSE v.arrived_by_id END,
    started_at = CASE WHEN a.status IN ('in_progress', 'completed')
        THEN COALESCE(v.started_at, st.created_at, fin.created_at, a.starts_at)
        ELSE v.started_at END,
    started_by_id = CASE WHEN a.status IN ('in_progress', 'completed') AND v.started_at IS NULL
        THEN COALESCE(st.actor_id, fin.actor_id) ELSE v.started_by_id END,
    finished_at = CASE WHEN a.status = 'completed'
        THEN COALESCE(v.finished_at, fin.created_at, a.ends_at) ELSE v.finished_at END,
    finished_by_id = CASE WHEN a.status = 'completed' AND v.finished_at IS NULL
        THEN fin.actor_id ELSE v.finished_by_id END,
    updated_at = now()
FROM appointments a
{STEPS}
WHERE v.appointment_id = a.id AND v.status <> a.status
  AND a.status IN ('arrived', 'in_progress', 'completed', 'no_show')
"""

# No-shows the desk marked before no_show_at existed: the row's last change is the mark.
NO_SHOW_TIMES = """
UPDATE visits SET no_show_at = updated_at WHERE status = 'no_show' AND no_show_at IS NULL
"""


def upgrade():
    op.add_column("visits", sa.Column("no_show_at", sa.DateTime(timezone=True), nullable=True))
    for column in ACTORS:
        op.add_column("visits", sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(f"fk_visits_{column}_users", "visits", "users", [column], ["id"],
                              ondelete="SET NULL")
    op.create_index("ix_audit_entries_target", "audit_entries", ["target_type", "target_id"])
    op.execute(CATCH_UP)
    op.execute(NO_SHOW_TIMES)
    op.execute(BACKFILL)


def downgrade():
    op.drop_index("ix_audit_entries_target", table_name="audit_entries")
    for column in ACTORS:
        op.drop_constraint(f"fk_visits_{column}_users", "visits", type_="foreignkey")
        op.drop_column("visits", column)
    op.drop_column("visits", "no_show_at")
