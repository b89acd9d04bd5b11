"""pii_encryption: personal columns sealed with AES-GCM, e-mail lookups through a keyed hash.

The columns become ``bytea``; rows a previous release wrote in plaintext are sealed here, in
batches (``platform_api.auth.sealed_columns``). The keys are the process's personal-data keys
(``platform_api.wiring.install_personal_data_keys``: the app installs them before it migrates);
run on its own (``alembic upgrade``), the migration loads them from the settings, i.e. from
``WC_PII_KEY``/``WC_PII_HASH_KEY`` or the key files in ``WC_DATA_DIR/keys``, exactly as the app
would. The downgrade opens the values back into text.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.personal_data import PersonalDataKeys, installed_keys
from platform_api.auth.sealed_columns import (
    SEALED_TABLES,
    count_rows,
    open_to_plaintext,
    rewrite_all,
    seal_plaintext,
)

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_WIDTHS = {"email": 320, "parent_email": 320, "display_name": 120}


def _keys() -> PersonalDataKeys:
    keys = installed_keys()
    if keys is not None:
        return keys
    from core.settings import Settings
    from platform_api.wiring import install_personal_data_keys

    return install_personal_data_keys(Settings())


def upgrade() -> None:
    for table in SEALED_TABLES:
        for column in table.columns:
            # The stored text's UTF-8 bytes first (a date as its ISO text); sealed below.
            op.execute(
                f"ALTER TABLE {table.name} ALTER COLUMN {column} TYPE bytea "
                f"USING convert_to({column}::text, 'UTF8')"
            )
    op.drop_index("ix_users_email", table_name="users")
    op.add_column("users", sa.Column("email_hash", sa.LargeBinary(), nullable=True))
    op.add_column("users", sa.Column("parent_email_hash", sa.LargeBinary(), nullable=True))
    connection = op.get_bind()
    if count_rows(connection):
        keys = _keys()
        rewrite_all(connection, keys, seal_plaintext(keys))
    op.alter_column("users", "email_hash", nullable=False)
    op.create_index("ix_users_email_hash", "users", ["email_hash"], unique=True)
    op.create_index("ix_users_parent_email_hash", "users", ["parent_email_hash"])


def downgrade() -> None:
    connection = op.get_bind()
    if count_rows(connection):
        keys = _keys()
        rewrite_all(connection, keys, open_to_plaintext(keys), with_hashes=False)
    op.drop_index("ix_users_parent_email_hash", table_name="users")
    op.drop_index("ix_users_email_hash", table_name="users")
    op.drop_column("users", "parent_email_hash")
    op.drop_column("users", "email_hash")
    for table in SEALED_TABLES:
        for column in table.columns:
            kind = "date" if column == "birth_date" else f"varchar({TEXT_WIDTHS[column]})"
            op.execute(
                f"ALTER TABLE {table.name} ALTER COLUMN {column} TYPE {kind} "
                f"USING convert_from({column}, 'UTF8')::{kind}"
            )
    op.create_index("ix_users_email", "users", ["email"], unique=True)
