"""proctoring: enrolment photos, consents, proctoring sessions and their events, exemptions, and
the audit of views of biometric data.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSENT_GIVER = sa.Enum("learner", "parent", name="consent_giver")
SESSION_STATUS = sa.Enum("pending", "live", "ended", name="proctor_session_status")
EXEMPTION_STATUS = sa.Enum("requested", "approved", "refused", name="exemption_status")


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _timestamp(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "enrolment_photos",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("photo_key", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("sealed_embedding", sa.LargeBinary(), nullable=False),
        _timestamp("created_at"),
        _fk("enrolment_photos", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_enrolment_photos")),
    )
    op.create_table(
        "proctor_consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("given_by", sa.Uuid(), nullable=True),
        sa.Column("giver", CONSENT_GIVER, nullable=False),
        _timestamp("given_at"),
        _fk("proctor_consents", "learner_id", "users", "CASCADE"),
        _fk("proctor_consents", "assignment_id", "assignments", "CASCADE"),
        _fk("proctor_consents", "given_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proctor_consents")),
        sa.UniqueConstraint(
            "learner_id", "assignment_id", name=op.f("uq_proctor_consents_learner_id")
        ),
    )
    op.create_index(
        op.f("ix_proctor_consents_assignment_id"), "proctor_consents", ["assignment_id"]
    )
    op.create_table(
        "proctor_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sitting_id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("status", SESSION_STATUS, nullable=False),
        sa.Column("proctor_host", sa.String(length=128), nullable=True),
        _timestamp("created_at"),
        _timestamp("live_at", nullable=True),
        _timestamp("last_offer_at", nullable=True),
        sa.Column("offers", sa.Integer(), nullable=False),
        _timestamp("identity_verified_at", nullable=True),
        _timestamp("ended_at", nullable=True),
        sa.Column("availability", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _fk("proctor_sessions", "sitting_id", "exam_sittings", "CASCADE"),
        _fk("proctor_sessions", "learner_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proctor_sessions")),
    )
    op.create_index(op.f("ix_proctor_sessions_sitting_id"), "proctor_sessions", ["sitting_id"])
    op.create_index(op.f("ix_proctor_sessions_learner_id"), "proctor_sessions", ["learner_id"])
    op.create_index(
        "uq_proctor_sessions_one_running",
        "proctor_sessions",
        ["sitting_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'ended'"),
    )
    op.create_table(
        "proctor_events",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("analyser", sa.String(length=64), nullable=False),
        sa.Column("started_at_seconds", sa.Float(), nullable=False),
        sa.Column("ended_at_seconds", sa.Float(), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("peak_value", sa.Float(), nullable=True),
        sa.Column("signal_count", sa.Integer(), nullable=False),
        sa.Column("evidence_keys", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _fk("proctor_events", "session_id", "proctor_sessions", "CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "event_id", name=op.f("pk_proctor_events")),
    )
    op.create_table(
        "proctor_exemptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("status", EXEMPTION_STATUS, nullable=False),
        _timestamp("requested_at"),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        _timestamp("decided_at", nullable=True),
        sa.Column("decision_note", sa.String(length=1000), nullable=False),
        _fk("proctor_exemptions", "learner_id", "users", "CASCADE"),
        _fk("proctor_exemptions", "assignment_id", "assignments", "CASCADE"),
        _fk("proctor_exemptions", "decided_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proctor_exemptions")),
        sa.UniqueConstraint(
            "learner_id", "assignment_id", name=op.f("uq_proctor_exemptions_learner_id")
        ),
    )
    op.create_index(
        op.f("ix_proctor_exemptions_assignment_id"), "proctor_exemptions", ["assignment_id"]
    )
    op.create_table(
        "biometric_access_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("viewer_id", sa.Uuid(), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("what", sa.String(length=64), nullable=False),
        sa.Column("sitting_id", sa.Uuid(), nullable=True),
        sa.Column("object_key", sa.String(length=255), nullable=True),
        _timestamp("viewed_at"),
        _fk("biometric_access_log", "viewer_id", "users", "SET NULL"),
        _fk("biometric_access_log", "subject_id", "users", "CASCADE"),
        _fk("biometric_access_log", "sitting_id", "exam_sittings", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_biometric_access_log")),
    )
    op.create_index(
        op.f("ix_biometric_access_log_subject_id"), "biometric_access_log", ["subject_id"]
    )


def downgrade() -> None:
    for table in (
        "biometric_access_log",
        "proctor_exemptions",
        "proctor_events",
        "proctor_sessions",
        "proctor_consents",
        "enrolment_photos",
    ):
        op.drop_table(table)
    for enum_type in (EXEMPTION_STATUS, SESSION_STATUS, CONSENT_GIVER):
        enum_type.drop(op.get_bind(), checkfirst=True)
