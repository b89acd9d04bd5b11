"""prompt_words_index: a hash index on each exercise's question reduced to its words.

The tutor looks up the stored exercises that ask a learner's message word for word on every
turn; without the index that look-up read every exercise of the course (40 ms for the
statistics book's 1,881).

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_assessment_items_prompt_words"


def upgrade() -> None:
    # core.curriculum.question_words.stored_question_words, as it stands at this revision.
    op.create_index(
        INDEX,
        "assessment_items",
        [sa.text("btrim(regexp_replace(lower(prompt), '[^a-z0-9]+', ' ', 'g'))")],
        postgresql_using="hash",
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="assessment_items")
