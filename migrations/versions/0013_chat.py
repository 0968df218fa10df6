"""Chat: conversations of a patient with a doctor or a branch's front desk, and messages

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-14

One conversation per patient–doctor and per patient–desk pair (unique keys, so racing
first messages meet in one row); a message is 1–4 000 characters of non-blank text.
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "chat_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("doctor_user_id", sa.Integer(), nullable=True),
        sa.Column("clinic_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'doctor' AND doctor_user_id IS NOT NULL AND clinic_id IS NULL) OR "
            "(kind = 'desk' AND clinic_id IS NOT NULL AND doctor_user_id IS NULL)",
            name=op.f("ck_chat_conversations_one_counterpart")),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], ondelete="CASCADE",
                                name=op.f("fk_chat_conversations_patient_id_patients")),
        sa.ForeignKeyConstraint(["doctor_user_id"], ["users.id"], ondelete="RESTRICT",
                                name=op.f("fk_chat_conversations_doctor_user_id_users")),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"], ondelete="RESTRICT",
                                name=op.f("fk_chat_conversations_clinic_id_clinics")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_conversations")),
        sa.UniqueConstraint("patient_id", "doctor_user_id",
                            name=op.f("uq_chat_conversations_patient_id_doctor_user_id")),
        sa.UniqueConstraint("patient_id", "clinic_id",
                            name=op.f("uq_chat_conversations_patient_id_clinic_id")),
    )
    op.create_index(op.f("ix_chat_conversations_doctor_user_id"), "chat_conversations",
                    ["doctor_user_id"])
    op.create_index(op.f("ix_chat_conversations_clinic_id"), "chat_conversations",
                    ["clinic_id"])
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("from_patient", sa.Boolean(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("char_length(content) <= 4000",
                           name=op.f("ck_chat_messages_content_length")),
        sa.CheckConstraint("btrim(content) <> ''",
                           name=op.f("ck_chat_messages_content_not_blank")),
        sa.ForeignKeyConstraint(["conversation_id"], ["chat_conversations.id"],
                                ondelete="CASCADE",
                                name=op.f("fk_chat_messages_conversation_id_chat_conversations")),
        sa.ForeignKeyConstraint(["sender_id"], ["users.id"], ondelete="RESTRICT",
                                name=op.f("fk_chat_messages_sender_id_users")),
        sa.ForeignKeyConstraint(["recipient_id"], ["users.id"], ondelete="RESTRICT",
                                name=op.f("fk_chat_messages_recipient_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
    )
    op.create_index("ix_chat_messages_conversation_id_id", "chat_messages",
                    ["conversation_id", "id"])
    op.create_index("ix_chat_messages_unread", "chat_messages",
                    ["conversation_id", "from_patient"],
                    postgresql_where=sa.text("read_at IS NULL"))


def downgrade():
    op.drop_table("chat_messages")
    op.drop_table("chat_conversations")
