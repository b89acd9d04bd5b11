"""content generation: jobs and their topics, generated-item details, versions with authors.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JOB_STATUS = sa.Enum(
    "queued", "running", "cancelling", "cancelled", "finished", name="content_job_status"
)
TOPIC_STATUS = sa.Enum(
    "queued", "running", "needs_review", "failed", "done", "cancelled", name="content_topic_status"
)
REVIEW_STATUS = sa.Enum("pending", "approved", "rejected", name="content_review_status")


def _fk(column: str, table: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def _author_columns() -> list[sa.Column]:
    return [
        sa.Column("author_kind", sa.String(10), nullable=False, server_default="human"),
        sa.Column("model_name", sa.String(200), nullable=True),
        sa.Column("prompt_version", sa.String(100), nullable=True),
    ]


def upgrade() -> None:
    # New enum values must be committed before a statement may use them.
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'content_editor'")
        op.execute("ALTER TYPE item_kind ADD VALUE IF NOT EXISTS 'numeric'")
        op.execute("ALTER TYPE item_kind ADD VALUE IF NOT EXISTS 'short_answer'")
    op.add_column(
        "courses", sa.Column("reading_grade", sa.Float(), nullable=False, server_default="8")
    )
    op.create_table(
        "content_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("status", JOB_STATUS, nullable=False),
        sa.Column("options", JSONB(), nullable=False),
        sa.Column("webhook_url", sa.String(2000), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("input_errors", JSONB(), nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("prompt_version", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        _fk("course_id", "content_jobs", "courses", "CASCADE"),
        _fk("unit_id", "content_jobs", "units", "CASCADE"),
        _fk("created_by", "content_jobs", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_jobs")),
        sa.UniqueConstraint(
            "created_by", "idempotency_key", name=op.f("uq_content_jobs_created_by")
        ),
    )
    op.create_index("ix_content_jobs_course_id", "content_jobs", ["course_id"])
    op.create_table(
        "content_topics",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(300), nullable=False),
        sa.Column("objectives", JSONB(), nullable=False),
        sa.Column("status", TOPIC_STATUS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_token", sa.Uuid(), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lesson_id", sa.Uuid(), nullable=True),
        sa.Column("result", JSONB(), nullable=True),
        sa.Column("failures", JSONB(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("first_pass_checks", sa.Integer(), nullable=False),
        sa.Column("first_pass_passed", sa.Integer(), nullable=False),
        sa.Column("llm_seconds", sa.Float(), nullable=False),
        sa.Column("wall_seconds", sa.Float(), nullable=False),
        sa.Column("review_status", REVIEW_STATUS, nullable=False),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        _fk("job_id", "content_topics", "content_jobs", "CASCADE"),
        _fk("lesson_id", "content_topics", "lessons", "SET NULL"),
        _fk("reviewed_by", "content_topics", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_topics")),
        sa.UniqueConstraint("job_id", "row", name=op.f("uq_content_topics_job_id")),
    )
    op.create_index("ix_content_topics_job_status", "content_topics", ["job_id", "status"])
    op.add_column("assessment_items", sa.Column("details", JSONB(), nullable=True))
    op.add_column(
        "assessment_items",
        sa.Column("hints", JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
    )
    op.add_column(
        "assessment_items",
        sa.Column("verdicts", JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
    )
    op.add_column(
        "assessment_items",
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    for column in _author_columns():
        op.add_column("lesson_versions", column)
    op.create_table(
        "assessment_item_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", JSONB(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        *_author_columns(),
        sa.Column("change_note", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("item_id", "assessment_item_versions", "assessment_items", "CASCADE"),
        _fk("author_id", "assessment_item_versions", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_item_versions")),
        sa.UniqueConstraint("item_id", "version", name=op.f("uq_assessment_item_versions_item_id")),
    )


def downgrade() -> None:
    op.drop_table("assessment_item_versions")
    for column in ("author_kind", "model_name", "prompt_version"):
        op.drop_column("lesson_versions", column)
    for column in ("details", "hints", "verdicts", "version"):
        op.drop_column("assessment_items", column)
    op.drop_column("courses", "reading_grade")
    op.drop_table("content_topics")
    op.drop_table("content_jobs")
    for enum in (REVIEW_STATUS, TOPIC_STATUS, JOB_STATUS):
        enum.drop(op.get_bind())
    # PostgreSQL cannot drop enum values: content_editor, numeric and short_answer remain.
