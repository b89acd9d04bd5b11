"""The retrieval index's tables: ``rag_indexes`` names each index (which embedding model, which
dimension, whether searches read it) and ``rag_chunks`` holds one row per chunk of an index.

Several indexes live side by side so that a new embedding model can be filled while searches keep
reading the active one (``pipelines/embeddings``). The vector column has no fixed dimension:
pgvector's HNSW index needs one, so each index gets a partial expression index of its own,
``(embedding::vector(<dimensions>)) WHERE index_id = <id>`` (made by ``rag.indexes``, since the
dimension is data, not schema).
"""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from core.infra.database import Base, utcnow


class IndexState(StrEnum):
    BUILDING = "building"  # being filled; no search reads it
    ACTIVE = "active"  # what searches and ingestion use; at most one
    RETIRED = "retired"  # replaced; kept for rollback until pruned


class RagIndex(Base):
    __tablename__ = "rag_indexes"
    __table_args__ = (
        CheckConstraint("state IN ('building', 'active', 'retired')", name="state"),
        # The switch is one transaction that retires the active index and activates another:
        # this index makes "two active at once" impossible, whoever writes.
        Index(
            "uq_rag_indexes_active",
            "state",
            unique=True,
            postgresql_where=text("state = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    # The `WC_RAG_EMBEDDING_MODEL` value the chunks were embedded with ('bundled' or a path).
    embedding_model: Mapped[str] = mapped_column(Text)
    dimensions: Mapped[int] = mapped_column(Integer)
    # Chunk sizes are counted by the model's tokenizer, so they belong to the index too.
    chunk_max_tokens: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Lessons changed before this instant are in the index (the incremental run's watermark);
    # None: never checked as a whole, so the next incremental run compares every lesson.
    refreshed_through: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RagChunk(Base):
    __tablename__ = "rag_chunks"
    __table_args__ = (
        UniqueConstraint("lesson_id", "index_id", "chunk_index"),
        Index("ix_rag_chunks_index_id_course_id", "index_id", "course_id"),
        Index("ix_rag_chunks_search", "search", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    index_id: Mapped[int] = mapped_column(ForeignKey("rag_indexes.id", ondelete="CASCADE"))
    lesson_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    chunk_index: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    heading: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    # "metadata" is reserved on declarative classes, hence the attribute name.
    chunk_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict)
    # Hash of the lesson content the chunk came from: unchanged lessons are skipped on ingest.
    content_hash: Mapped[str] = mapped_column(String(64))
    # No dimension here: indexes of different models differ (see the module docstring).
    embedding: Mapped[Any] = mapped_column(Vector())
    search: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed(
            "setweight(to_tsvector('english', coalesce(heading, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(text, '')), 'B')",
            persisted=True,
        ),
    )
