"""class_channels: class chat messages of the real-time hub, ordered by the event id each was
pushed with (a reconnecting client resumes from it).

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "class_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_ms", sa.BigInteger(), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classes.id"],
            name=op.f("fk_class_messages_class_id_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_class_messages_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_messages")),
    )
    op.create_index(
        "ix_class_messages_class_event", "class_messages", ["class_id", "event_ms", "event_seq"]
    )
    op.create_index(op.f("ix_class_messages_author_id"), "class_messages", ["author_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_class_messages_author_id"), table_name="class_messages")
    op.drop_index("ix_class_messages_class_event", table_name="class_messages")
    op.drop_table("class_messages")
