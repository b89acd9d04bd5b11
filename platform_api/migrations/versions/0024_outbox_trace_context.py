"""outbox_trace_context: the trace context an outbox event was written under, carried to its consumers.

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The W3C carrier ({"traceparent": ..., "tracestate": ...}); NULL for events written while
    # tracing was off and for every event written before this revision.
    op.add_column("outbox_events", sa.Column("trace_context", JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox_events", "trace_context")
