"""rag_indexes: several retrieval indexes side by side (one active), so that a new embedding
model fills its own index while searches read the old one; rag_chunks rows belong to an index.

The embedding column loses its fixed dimension (models differ); each index gets a partial HNSW
index on ``embedding::vector(<its dimension>)``. Chunks that exist already become index 1,
recorded as the bundled model (all-MiniLM-L6-v2, 384-d: the only 384-d model the platform
configured by default). A platform that had set another 384-d model gets it re-embedded once by
the next `wc pipeline run embeddings`, which sees the setting differ from the recorded model.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY_MODEL = "bundled"
LEGACY_DIMENSIONS = 384
LEGACY_CHUNK_MAX_TOKENS = 240


def upgrade() -> None:
    op.create_table(
        "rag_indexes",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("embedding_model", sa.Text(), nullable=False),
        sa.Column("dimensions", sa.Integer(), nullable=False),
        sa.Column("chunk_max_tokens", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refreshed_through", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('building', 'active', 'retired')", name=op.f("ck_rag_indexes_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rag_indexes")),
    )
    op.create_index(
        "uq_rag_indexes_active",
        "rag_indexes",
        ["state"],
        unique=True,
        postgresql_where=sa.text("state = 'active'"),
    )
    op.execute(
        "INSERT INTO rag_indexes (embedding_model, dimensions, chunk_max_tokens, state, "
        "created_at, activated_at) "
        f"SELECT '{LEGACY_MODEL}', {LEGACY_DIMENSIONS}, {LEGACY_CHUNK_MAX_TOKENS}, 'active', "
        "now(), now() WHERE EXISTS (SELECT 1 FROM rag_chunks)"
    )
    op.add_column("rag_chunks", sa.Column("index_id", sa.Integer(), nullable=True))
    op.execute("UPDATE rag_chunks SET index_id = (SELECT min(id) FROM rag_indexes)")
    op.alter_column("rag_chunks", "index_id", nullable=False)
    op.create_foreign_key(
        op.f("fk_rag_chunks_index_id_rag_indexes"),
        "rag_chunks",
        "rag_indexes",
        ["index_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.drop_index("ix_rag_chunks_embedding", table_name="rag_chunks", postgresql_using="hnsw")
    op.alter_column(
        "rag_chunks",
        "embedding",
        type_=Vector(),
        existing_type=Vector(LEGACY_DIMENSIONS),
        existing_nullable=False,
    )
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM rag_indexes) THEN "
        "EXECUTE 'CREATE INDEX ix_rag_chunks_embedding_' || (SELECT min(id) FROM rag_indexes) "
        f"|| ' ON rag_chunks USING hnsw ((embedding::vector({LEGACY_DIMENSIONS})) "
        "vector_cosine_ops) WHERE index_id = ' || (SELECT min(id) FROM rag_indexes); "
        "END IF; END $$"
    )
    op.drop_constraint(op.f("uq_rag_chunks_lesson_id"), "rag_chunks", type_="unique")
    op.create_unique_constraint(
        op.f("uq_rag_chunks_lesson_id"), "rag_chunks", ["lesson_id", "index_id", "chunk_index"]
    )
    op.create_index(
        "ix_rag_chunks_index_id_course_id", "rag_chunks", ["index_id", "course_id"], unique=False
    )


def downgrade() -> None:
    """Back to one index: the active one's chunks stay (they must be 384-d), the others go."""
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM rag_indexes WHERE state = 'active' "
        f"AND dimensions <> {LEGACY_DIMENSIONS}) THEN RAISE EXCEPTION "
        "'the active retrieval index is not 384-d: refresh it to a 384-d model first'; "
        "END IF; END $$"
    )
    op.execute(
        "DELETE FROM rag_chunks WHERE index_id NOT IN "
        "(SELECT id FROM rag_indexes WHERE state = 'active')"
    )
    op.execute(
        "DO $$ DECLARE name text; BEGIN FOR name IN SELECT indexname FROM pg_indexes "
        "WHERE tablename = 'rag_chunks' AND indexname LIKE 'ix\\_rag\\_chunks\\_embedding\\_%' "
        "LOOP EXECUTE 'DROP INDEX ' || quote_ident(name); END LOOP; END $$"
    )
    op.drop_index("ix_rag_chunks_index_id_course_id", table_name="rag_chunks")
    op.drop_constraint(op.f("uq_rag_chunks_lesson_id"), "rag_chunks", type_="unique")
    op.create_unique_constraint(
        op.f("uq_rag_chunks_lesson_id"), "rag_chunks", ["lesson_id", "chunk_index"]
    )
    op.alter_column(
        "rag_chunks",
        "embedding",
        type_=Vector(LEGACY_DIMENSIONS),
        existing_type=Vector(),
        existing_nullable=False,
    )
    op.create_index(
        "ix_rag_chunks_embedding",
        "rag_chunks",
        ["embedding"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.drop_constraint(op.f("fk_rag_chunks_index_id_rag_indexes"), "rag_chunks", type_="foreignkey")
    op.drop_column("rag_chunks", "index_id")
    op.drop_index("uq_rag_indexes_active", table_name="rag_indexes")
    op.drop_table("rag_indexes")
