"""tutor: sessions, per-course policy, flagged turns; exam sittings.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TUTOR_MODE = sa.Enum("socratic", "explain", name="tutor_mode")
SAFETY_CATEGORY = sa.Enum("self_harm", "abuse", "personal_data", name="safety_category")


def _user_fk(column: str, table: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete=ondelete
    )


def _course_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["course_id"],
        ["courses.id"],
        name=op.f(f"fk_{table}_course_id_courses"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "exam_sittings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        _user_fk("learner_id", "exam_sittings"),
        _course_fk("exam_sittings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_sittings")),
    )
    op.create_index(
        "ix_exam_sittings_open", "exam_sittings", ["learner_id", "course_id", "ended_at"]
    )
    op.create_table(
        "tutor_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _user_fk("learner_id", "tutor_sessions"),
        _course_fk("tutor_sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tutor_sessions")),
    )
    op.create_index("ix_tutor_sessions_learner", "tutor_sessions", ["learner_id", "updated_at"])
    op.create_table(
        "tutor_policies",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("mode", TUTOR_MODE, nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _course_fk("tutor_policies"),
        _user_fk("updated_by", "tutor_policies", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_tutor_policies")),
    )
    op.create_table(
        "tutor_flags",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("turn_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("category", SAFETY_CATEGORY, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["tutor_sessions.id"],
            name=op.f("fk_tutor_flags_session_id_tutor_sessions"),
            ondelete="CASCADE",
        ),
        _user_fk("learner_id", "tutor_flags"),
        _course_fk("tutor_flags"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tutor_flags")),
        sa.UniqueConstraint("turn_id", name=op.f("uq_tutor_flags_turn_id")),
    )
    op.create_index(op.f("ix_tutor_flags_session_id"), "tutor_flags", ["session_id"])
    op.create_index(op.f("ix_tutor_flags_learner_id"), "tutor_flags", ["learner_id"])


def downgrade() -> None:
    op.drop_table("tutor_flags")
    op.drop_table("tutor_policies")
    op.drop_table("tutor_sessions")
    op.drop_table("exam_sittings")
    SAFETY_CATEGORY.drop(op.get_bind(), checkfirst=True)
    TUTOR_MODE.drop(op.get_bind(), checkfirst=True)
