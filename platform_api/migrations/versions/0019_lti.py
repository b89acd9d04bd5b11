"""lti: LTI 1.3 platform registrations, launches and links.

Registered platforms, the platform users and courses (contexts) their launches linked to accounts
and classes, the resource links placed in those courses, and the scores sent back to them.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

URL = sa.String(length=2000)
ID = sa.String(length=255)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _timestamp(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "lti_registrations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("issuer", URL, nullable=False),
        sa.Column("client_id", ID, nullable=False),
        sa.Column("deployment_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("jwks_url", URL, nullable=False),
        sa.Column("auth_login_url", URL, nullable=False),
        sa.Column("access_token_url", URL, nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_registrations")),
        sa.UniqueConstraint("issuer", "client_id", name=op.f("uq_lti_registrations_issuer")),
    )
    op.create_table(
        "lti_identities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("issuer", URL, nullable=False),
        sa.Column("subject", ID, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        _timestamp("created_at"),
        _fk("lti_identities", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_identities")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_lti_identities_issuer")),
    )
    op.create_index(op.f("ix_lti_identities_user_id"), "lti_identities", ["user_id"])
    op.create_table(
        "lti_contexts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("registration_id", sa.Uuid(), nullable=False),
        sa.Column("context_id", ID, nullable=False),
        sa.Column("deployment_id", ID, nullable=False),
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("memberships_url", URL, nullable=True),
        sa.Column("lineitems_url", URL, nullable=True),
        sa.Column("ags_scopes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _timestamp("created_at"),
        _fk("lti_contexts", "registration_id", "lti_registrations", "CASCADE"),
        _fk("lti_contexts", "class_id", "classes", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_contexts")),
        sa.UniqueConstraint(
            "registration_id", "context_id", name=op.f("uq_lti_contexts_registration_id")
        ),
    )
    op.create_index(op.f("ix_lti_contexts_class_id"), "lti_contexts", ["class_id"])
    op.create_table(
        "lti_resource_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("context_pk", sa.Uuid(), nullable=False),
        sa.Column("resource_link_id", ID, nullable=False),
        sa.Column("target_kind", sa.String(length=20), nullable=True),
        sa.Column("target_id", sa.Uuid(), nullable=True),
        sa.Column("line_item_url", URL, nullable=True),
        _timestamp("created_at"),
        _fk("lti_resource_links", "context_pk", "lti_contexts", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_resource_links")),
        sa.UniqueConstraint(
            "context_pk", "resource_link_id", name=op.f("uq_lti_resource_links_context_pk")
        ),
    )
    op.create_index(op.f("ix_lti_resource_links_target_id"), "lti_resource_links", ["target_id"])
    op.create_table(
        "lti_score_pushes",
        sa.Column("sitting_id", sa.Uuid(), nullable=False),
        sa.Column("grade_version", sa.Integer(), nullable=False),
        sa.Column("resource_link_pk", sa.Uuid(), nullable=False),
        sa.Column("line_item_url", URL, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("max_score", sa.Float(), nullable=False),
        _timestamp("pushed_at"),
        _fk("lti_score_pushes", "sitting_id", "exam_sittings", "CASCADE"),
        _fk("lti_score_pushes", "resource_link_pk", "lti_resource_links", "CASCADE"),
        sa.PrimaryKeyConstraint("sitting_id", "grade_version", name=op.f("pk_lti_score_pushes")),
    )


def downgrade() -> None:
    op.drop_table("lti_score_pushes")
    op.drop_table("lti_resource_links")
    op.drop_table("lti_contexts")
    op.drop_table("lti_identities")
    op.drop_table("lti_registrations")
