"""proctor review: the `proctor` role, versioned review decisions per sitting, and appeals.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REVIEW_STAGE = sa.Enum("review", "appeal_review", name="review_stage")
REVIEW_DECISION = sa.Enum("clean", "suspicious", "violation", name="review_decision")
APPEAL_STATUS = sa.Enum("open", "decided", name="appeal_status")


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _timestamp(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # A new enum value must be committed before a statement may use it.
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'proctor'")
    op.create_table(
        "proctor_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sitting_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("stage", REVIEW_STAGE, nullable=False),
        sa.Column("reviewer_id", sa.Uuid(), nullable=True),
        sa.Column("decision", REVIEW_DECISION, nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        _timestamp("decided_at"),
        sa.Column("supersedes", sa.Integer(), nullable=True),
        _fk("proctor_decisions", "sitting_id", "exam_sittings", "CASCADE"),
        _fk("proctor_decisions", "reviewer_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proctor_decisions")),
        sa.UniqueConstraint("sitting_id", "version", name=op.f("uq_proctor_decisions_sitting_id")),
    )
    op.create_index(op.f("ix_proctor_decisions_sitting_id"), "proctor_decisions", ["sitting_id"])
    op.create_table(
        "proctor_appeals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sitting_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("filed_by", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        _timestamp("filed_at"),
        sa.Column("status", APPEAL_STATUS, nullable=False),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        _timestamp("decided_at", nullable=True),
        _fk("proctor_appeals", "sitting_id", "exam_sittings", "CASCADE"),
        _fk("proctor_appeals", "decision_id", "proctor_decisions", "CASCADE"),
        _fk("proctor_appeals", "learner_id", "users", "CASCADE"),
        _fk("proctor_appeals", "filed_by", "users", "SET NULL"),
        _fk("proctor_appeals", "resolved_by", "proctor_decisions", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proctor_appeals")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_proctor_appeals_decision_id")),
    )
    op.create_index(op.f("ix_proctor_appeals_sitting_id"), "proctor_appeals", ["sitting_id"])
    op.create_index(op.f("ix_proctor_appeals_learner_id"), "proctor_appeals", ["learner_id"])


def downgrade() -> None:
    op.drop_table("proctor_appeals")
    op.drop_table("proctor_decisions")
    for enum_type in (APPEAL_STATUS, REVIEW_DECISION, REVIEW_STAGE):
        enum_type.drop(op.get_bind(), checkfirst=True)
    # PostgreSQL cannot drop enum values: the `proctor` role remains in user_role.
