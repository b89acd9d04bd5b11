"""proctor purge: a session's evidence and events purged after review, leaving its summary.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "proctor_sessions", sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "proctor_sessions",
        sa.Column(
            "event_summary",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_proctor_sessions_not_purged",
        "proctor_sessions",
        ["sitting_id"],
        postgresql_where=sa.text("purged_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_proctor_sessions_not_purged", table_name="proctor_sessions")
    op.drop_column("proctor_sessions", "event_summary")
    op.drop_column("proctor_sessions", "purged_at")
