"""unit groups: the title of the book part (an OpenStax unit) that groups a chapter.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("units", sa.Column("group_title", sa.String(length=300), nullable=True))


def downgrade() -> None:
    op.drop_column("units", "group_title")
