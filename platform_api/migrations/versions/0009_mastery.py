"""mastery: learning objectives for the lessons that exist (a data migration, no schema change).

From now on ``platform_api.mastery.objectives.sync_objectives`` keeps ``learning_objectives`` in
step with each lesson's ``objectives`` strings whenever a lesson is written; this backfills the
rows for lessons written before, with the same rule: one row per string, by position, or one
named after the lesson's title when it lists none.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        INSERT INTO learning_objectives (id, course_id, lesson_id, position, text)
        SELECT gen_random_uuid(), l.course_id, l.id, o.ordinality - 1, o.value
        FROM (
            SELECT id, course_id,
                   CASE WHEN jsonb_typeof(objectives) = 'array'
                             AND jsonb_array_length(objectives) > 0
                        THEN objectives ELSE jsonb_build_array(title) END AS wanted
            FROM lessons
        ) AS l
        CROSS JOIN LATERAL jsonb_array_elements_text(l.wanted)
            WITH ORDINALITY AS o(value, ordinality)
        ON CONFLICT (lesson_id, position) DO NOTHING
        """
    )


def downgrade() -> None:
    # The rows are derived from the lessons; 0008's downgrade drops the table with them.
    pass
