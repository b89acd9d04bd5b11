"""learning loop: assignments, sittings, responses and grades, objectives, mastery, progress.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ASSIGNMENT_KIND = postgresql.ENUM("homework", "exam", name="assignment_kind", create_type=False)
FEEDBACK_TIMING = postgresql.ENUM(
    "immediate", "after_due", "after_grading", name="feedback_timing", create_type=False
)
GRADING_STATUS = postgresql.ENUM(
    "pending", "graded", "needs_review", "delayed", name="grading_status", create_type=False
)
GRADE_SOURCE = postgresql.ENUM("rule", "llm", "teacher", name="grade_source", create_type=False)
SITTING_STATUS = postgresql.ENUM(
    "in_progress",
    "grading",
    "needs_review",
    "graded",
    "grading_delayed",
    name="sitting_status",
    create_type=False,
)
ENUMS = (ASSIGNMENT_KIND, FEEDBACK_TIMING, GRADING_STATUS, GRADE_SOURCE, SITTING_STATUS)


def upgrade() -> None:
    for enum in ENUMS:
        enum.create(op.get_bind(), checkfirst=True)
    op.create_table(
        "badge_awards",
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("badge", sa.String(length=100), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["users.id"],
            name=op.f("fk_badge_awards_learner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("learner_id", "badge", name=op.f("pk_badge_awards")),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("kind", ASSIGNMENT_KIND, nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("attempts_allowed", sa.Integer(), nullable=False),
        sa.Column(
            "feedback_timing",
            FEEDBACK_TIMING,
            nullable=False,
        ),
        sa.Column("shuffle_seed", sa.BigInteger(), nullable=False),
        sa.Column("requires_proctoring", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classes.id"],
            name=op.f("fk_assignments_class_id_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_assignments_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_assignments_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    op.create_index(op.f("ix_assignments_class_id"), "assignments", ["class_id"], unique=False)
    op.create_table(
        "accommodations",
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("extra_seconds", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("granted_by", sa.Uuid(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_accommodations_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by"],
            ["users.id"],
            name=op.f("fk_accommodations_granted_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["users.id"],
            name=op.f("fk_accommodations_learner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assignment_id", "learner_id", name=op.f("pk_accommodations")),
    )
    op.create_table(
        "reminders_sent",
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_reminders_sent_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["users.id"],
            name=op.f("fk_reminders_sent_learner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assignment_id", "learner_id", name=op.f("pk_reminders_sent")),
    )
    op.create_table(
        "learning_objectives",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_learning_objectives_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_learning_objectives_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_objectives")),
        sa.UniqueConstraint("lesson_id", "position", name=op.f("uq_learning_objectives_lesson_id")),
    )
    op.create_index(
        op.f("ix_learning_objectives_course_id"), "learning_objectives", ["course_id"], unique=False
    )
    op.create_table(
        "sitting_reopenings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sitting_id", sa.Uuid(), nullable=False),
        sa.Column("reopened_by", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("previous_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("new_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reopened_by"],
            ["users.id"],
            name=op.f("fk_sitting_reopenings_reopened_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["exam_sittings.id"],
            name=op.f("fk_sitting_reopenings_sitting_id_exam_sittings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sitting_reopenings")),
    )
    op.create_index(
        op.f("ix_sitting_reopenings_sitting_id"), "sitting_reopenings", ["sitting_id"], unique=False
    )
    op.create_table(
        "mastery_states",
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("objective_id", sa.Uuid(), nullable=False),
        sa.Column("p_known", sa.Float(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["users.id"],
            name=op.f("fk_mastery_states_learner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["learning_objectives.id"],
            name=op.f("fk_mastery_states_objective_id_learning_objectives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("learner_id", "objective_id", name=op.f("pk_mastery_states")),
    )
    op.create_index(
        op.f("ix_mastery_states_objective_id"), "mastery_states", ["objective_id"], unique=False
    )
    op.create_table(
        "objective_parameters",
        sa.Column("objective_id", sa.Uuid(), nullable=False),
        sa.Column("prior", sa.Float(), nullable=False),
        sa.Column("learn", sa.Float(), nullable=False),
        sa.Column("guess", sa.Float(), nullable=False),
        sa.Column("slip", sa.Float(), nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("log_likelihood", sa.Float(), nullable=False),
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["learning_objectives.id"],
            name=op.f("fk_objective_parameters_objective_id_learning_objectives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("objective_id", name=op.f("pk_objective_parameters")),
    )
    op.create_table(
        "assignment_items",
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_assignment_items_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["assessment_items.id"],
            name=op.f("fk_assignment_items_item_id_assessment_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assignment_id", "item_id", name=op.f("pk_assignment_items")),
    )
    op.create_index(
        op.f("ix_assignment_items_item_id"), "assignment_items", ["item_id"], unique=False
    )
    op.create_table(
        "item_statistics",
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("difficulty", sa.Float(), nullable=False),
        sa.Column("discrimination", sa.Float(), nullable=True),
        sa.Column("irt", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("flags", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["assessment_items.id"],
            name=op.f("fk_item_statistics_item_id_assessment_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_statistics")),
    )
    op.create_table(
        "responses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sitting_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("item_version", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("first_answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_spent_ms", sa.Integer(), nullable=True),
        sa.Column(
            "grading_status",
            GRADING_STATUS,
            nullable=False,
        ),
        sa.Column("max_points", sa.Float(), nullable=False),
        sa.Column("points", sa.Float(), nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=True),
        sa.Column("graded_by", GRADE_SOURCE, nullable=True),
        sa.Column("grade_version", sa.Integer(), nullable=False),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disputed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispute_reason", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["assessment_items.id"],
            name=op.f("fk_responses_item_id_assessment_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["exam_sittings.id"],
            name=op.f("fk_responses_sitting_id_exam_sittings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
        sa.UniqueConstraint("sitting_id", "item_id", name=op.f("uq_responses_sitting_id")),
    )
    op.create_index(op.f("ix_responses_item_id"), "responses", ["item_id"], unique=False)
    op.create_index(op.f("ix_responses_sitting_id"), "responses", ["sitting_id"], unique=False)
    op.create_table(
        "grade_revisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", GRADE_SOURCE, nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("max_points", sa.Float(), nullable=False),
        sa.Column("rubric_scores", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("model_name", sa.String(length=200), nullable=True),
        sa.Column("graded_by", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["graded_by"],
            ["users.id"],
            name=op.f("fk_grade_revisions_graded_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_grade_revisions_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_revisions")),
        sa.UniqueConstraint("response_id", "version", name=op.f("uq_grade_revisions_response_id")),
    )
    op.create_index(
        op.f("ix_grade_revisions_response_id"), "grade_revisions", ["response_id"], unique=False
    )
    op.add_column("assessment_items", sa.Column("objective_id", sa.Uuid(), nullable=True))
    op.create_index(
        op.f("ix_assessment_items_objective_id"), "assessment_items", ["objective_id"], unique=False
    )
    op.create_foreign_key(
        op.f("fk_assessment_items_objective_id_learning_objectives"),
        "assessment_items",
        "learning_objectives",
        ["objective_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.add_column("exam_sittings", sa.Column("assignment_id", sa.Uuid(), nullable=True))
    op.add_column(
        "exam_sittings", sa.Column("is_exam", sa.Boolean(), server_default="true", nullable=False)
    )
    op.add_column(
        "exam_sittings", sa.Column("attempt", sa.Integer(), server_default="1", nullable=False)
    )
    op.add_column(
        "exam_sittings",
        sa.Column(
            "status",
            SITTING_STATUS,
            server_default="in_progress",
            nullable=False,
        ),
    )
    op.add_column(
        "exam_sittings",
        sa.Column(
            "layout", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
    )
    op.add_column(
        "exam_sittings", sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "exam_sittings",
        sa.Column("auto_submitted", sa.Boolean(), server_default="false", nullable=False),
    )
    op.add_column("exam_sittings", sa.Column("score", sa.Float(), nullable=True))
    op.add_column("exam_sittings", sa.Column("max_score", sa.Float(), nullable=True))
    op.add_column(
        "exam_sittings", sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        op.f("ix_exam_sittings_assignment_id"), "exam_sittings", ["assignment_id"], unique=False
    )
    op.create_index(
        "ix_exam_sittings_deadline",
        "exam_sittings",
        ["deadline_at"],
        unique=False,
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.create_unique_constraint(
        op.f("uq_exam_sittings_assignment_id"),
        "exam_sittings",
        ["assignment_id", "learner_id", "attempt"],
    )
    op.create_index(
        "uq_exam_sittings_one_open_exam",
        "exam_sittings",
        ["learner_id"],
        unique=True,
        postgresql_where=sa.text("ended_at IS NULL AND is_exam"),
    )
    op.create_foreign_key(
        op.f("fk_exam_sittings_assignment_id_assignments"),
        "exam_sittings",
        "assignments",
        ["assignment_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.add_column(
        "users", sa.Column("time_zone", sa.String(length=64), server_default="UTC", nullable=False)
    )
    op.add_column(
        "users",
        sa.Column("leaderboard_opt_out", sa.Boolean(), server_default="false", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("users", "leaderboard_opt_out")
    op.drop_column("users", "time_zone")
    op.drop_constraint(
        op.f("fk_exam_sittings_assignment_id_assignments"), "exam_sittings", type_="foreignkey"
    )
    op.drop_index(
        "uq_exam_sittings_one_open_exam",
        table_name="exam_sittings",
        postgresql_where=sa.text("ended_at IS NULL AND is_exam"),
    )
    op.drop_constraint(op.f("uq_exam_sittings_assignment_id"), "exam_sittings", type_="unique")
    op.drop_index(
        "ix_exam_sittings_deadline",
        table_name="exam_sittings",
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.drop_index(op.f("ix_exam_sittings_assignment_id"), table_name="exam_sittings")
    op.drop_column("exam_sittings", "graded_at")
    op.drop_column("exam_sittings", "max_score")
    op.drop_column("exam_sittings", "score")
    op.drop_column("exam_sittings", "auto_submitted")
    op.drop_column("exam_sittings", "deadline_at")
    op.drop_column("exam_sittings", "layout")
    op.drop_column("exam_sittings", "status")
    op.drop_column("exam_sittings", "attempt")
    op.drop_column("exam_sittings", "is_exam")
    op.drop_column("exam_sittings", "assignment_id")
    op.drop_constraint(
        op.f("fk_assessment_items_objective_id_learning_objectives"),
        "assessment_items",
        type_="foreignkey",
    )
    op.drop_index(op.f("ix_assessment_items_objective_id"), table_name="assessment_items")
    op.drop_column("assessment_items", "objective_id")
    op.drop_index(op.f("ix_grade_revisions_response_id"), table_name="grade_revisions")
    op.drop_table("grade_revisions")
    op.drop_index(op.f("ix_responses_sitting_id"), table_name="responses")
    op.drop_index(op.f("ix_responses_item_id"), table_name="responses")
    op.drop_table("responses")
    op.drop_table("item_statistics")
    op.drop_index(op.f("ix_assignment_items_item_id"), table_name="assignment_items")
    op.drop_table("assignment_items")
    op.drop_table("objective_parameters")
    op.drop_index(op.f("ix_mastery_states_objective_id"), table_name="mastery_states")
    op.drop_table("mastery_states")
    op.drop_index(op.f("ix_sitting_reopenings_sitting_id"), table_name="sitting_reopenings")
    op.drop_table("sitting_reopenings")
    op.drop_index(op.f("ix_learning_objectives_course_id"), table_name="learning_objectives")
    op.drop_table("learning_objectives")
    op.drop_table("reminders_sent")
    op.drop_table("accommodations")
    op.drop_index(op.f("ix_assignments_class_id"), table_name="assignments")
    op.drop_table("assignments")
    op.drop_table("badge_awards")
    for enum in ENUMS:
        enum.drop(op.get_bind(), checkfirst=True)
