"""mastery in use: a content topic names the weak learning objective it targets.

Revision ID: 0013
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_content_topics_objective_id_learning_objectives"


def upgrade() -> None:
    op.add_column("content_topics", sa.Column("objective_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f(FOREIGN_KEY),
        "content_topics",
        "learning_objectives",
        ["objective_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(op.f(FOREIGN_KEY), "content_topics", type_="foreignkey")
    op.drop_column("content_topics", "objective_id")
