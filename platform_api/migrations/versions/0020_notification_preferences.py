"""notification_preferences: notification templates, preferences, digests and web push subscriptions.

Admins' template overrides (per kind and locale), each user's quiet hours and digest, channels per
kind, e-mails and pushes held for quiet hours or a digest, and browsers' push subscriptions.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user_key(table: str, column: str = "user_id", ondelete: str = "CASCADE") -> sa.Constraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "notification_templates",
        sa.Column("kind", sa.String(length=120), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _user_key("notification_templates", "updated_by", "SET NULL"),
        sa.PrimaryKeyConstraint("kind", "locale", name=op.f("pk_notification_templates")),
    )
    op.create_table(
        "notification_settings",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("digest", sa.String(length=10), nullable=False),
        sa.Column("digest_time", sa.Time(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _user_key("notification_settings"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_settings")),
    )
    op.create_table(
        "notification_channel_preferences",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=120), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("push", sa.Boolean(), nullable=False),
        _user_key("notification_channel_preferences"),
        sa.PrimaryKeyConstraint(
            "user_id", "kind", name=op.f("pk_notification_channel_preferences")
        ),
    )
    op.create_table(
        "notification_held_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=120), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("variables", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("release_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _user_key("notification_held_deliveries", "recipient_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_held_deliveries")),
    )
    op.create_index(
        op.f("ix_notification_held_deliveries_recipient_id"),
        "notification_held_deliveries",
        ["recipient_id"],
    )
    op.create_index(
        "ix_notification_held_deliveries_release_at",
        "notification_held_deliveries",
        ["release_at"],
    )
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint", sa.String(length=2048), nullable=False),
        sa.Column("p256dh", sa.String(length=200), nullable=False),
        sa.Column("auth", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _user_key("push_subscriptions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_push_subscriptions_endpoint")),
    )
    op.create_index(op.f("ix_push_subscriptions_user_id"), "push_subscriptions", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_push_subscriptions_user_id"), table_name="push_subscriptions")
    op.drop_table("push_subscriptions")
    op.drop_index(
        "ix_notification_held_deliveries_release_at", table_name="notification_held_deliveries"
    )
    op.drop_index(
        op.f("ix_notification_held_deliveries_recipient_id"),
        table_name="notification_held_deliveries",
    )
    op.drop_table("notification_held_deliveries")
    op.drop_table("notification_channel_preferences")
    op.drop_table("notification_settings")
    op.drop_table("notification_templates")
