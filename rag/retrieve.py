"""Hybrid retrieval: pgvector cosine top-N and PostgreSQL full-text top-N, fused with RRF.

The full-text leg ranks (``ts_rank`` with every query term) the chunks that hold the query's
rarest terms, as many as ``WC_RAG_TEXT_ROWS`` allows (``rag.rare_terms``), and the vector
candidates: ranking every chunk that shares a common word with the question cost 239 ms p95 at
100k chunks. ``text_rows=0`` ranks every match (what ``bench/tutor.py`` compares with).

Permissions are the caller's job: it passes the courses the learner may see, and nothing outside
them is ever returned. A search reads the active index (``rag.indexes``) and embeds the query with
that index's model, so a refresh to another model switches searches over with the index.
"""

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import CTE, Select, Subquery, cast, func, literal, select, text, union, union_all
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core.curriculum.models import Lesson, Unit
from core.infra.database import Database
from core.tracing import traced
from rag.embeddings import Embedder
from rag.indexes import IndexInfo, active_index, index_embedder, vector_column
from rag.models import RagChunk
from rag.rare_terms import QueryTerms, any_of, query_terms
from rag.settings import RagSettings

_TERM = re.compile(r"\w+")
# Enough distinct terms for any real question; a pasted page should not build a huge tsquery.
MAX_QUERY_TERMS = 64


class Hit(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    chunk_id: uuid.UUID
    lesson_id: uuid.UUID
    lesson_title: str
    chapter_title: str
    source_module: str | None
    score: float
    similarity: float
    text: str
    kind: str
    item_id: uuid.UUID | None = None  # the assessment item of an exercise chunk
    # The stored unit vector, when the search was asked for it (``vectors=True``); never dumped.
    vector: np.ndarray | None = Field(default=None, exclude=True, repr=False)


def any_term_query(query: str) -> str:
    """The query's words joined by ``or`` for ``websearch_to_tsquery``.

    websearch_to_tsquery ANDs plain words, so a long question (an exercise, a learner's
    paragraph) matches almost nothing; OR with ts_rank still puts chunks sharing more (and
    rarer-weighted) terms first, and the vector side brings the precision.
    """
    terms = list(dict.fromkeys(term.lower() for term in _TERM.findall(query)))
    return " or ".join(t for t in terms[:MAX_QUERY_TERMS] if t != "or")


@dataclass(frozen=True)
class QueryVector:
    """A query's vector and the index whose model made it (``embed_query``): embedded once, it
    serves every search of that query over that index; a search that finds another index active
    (a refresh switched meanwhile) embeds the query again."""

    index_id: int
    values: list[float]


async def embed_query(
    database: Database,
    query: str,
    embedder: Embedder | None = None,
    settings: RagSettings | None = None,
) -> QueryVector | None:
    """The query's vector by the active index's model; None when nothing was ever ingested."""
    index = await active_index(database)
    if index is None:
        return None
    settings = settings or RagSettings()
    encoder = index_embedder(index, embedder, settings.batch_size)
    return QueryVector(index.id, (await encoder.encode_query(query)).tolist())


@dataclass(frozen=True)
class Query:
    """One search of ``search_many``: its text, its vector (None: encoded there), its k."""

    text: str
    vector: np.ndarray | None = None
    k: int = 5


async def search(
    database: Database,
    query: str,
    course_ids: Sequence[uuid.UUID],
    k: int = 5,
    *,
    kinds: Sequence[str] | None = None,
    embedder: Embedder | None = None,
    settings: RagSettings | None = None,
    vectors: bool = False,
    query_vector: np.ndarray | QueryVector | None = None,
    index: IndexInfo | None = None,
) -> list[Hit]:
    """The k best chunks of these courses for the query (kinds: e.g. ["text"] to skip exercises);
    ``vectors``: with each chunk's stored vector, for callers that compare it with other texts;
    ``query_vector``: the query already encoded by the active index's model, or by the model of
    the index a ``QueryVector`` names (used when that index is still the active one); else the
    query is encoded here; ``index``: the active index the caller already read (searches that
    must compare vectors of one index read it once)."""
    if isinstance(query_vector, QueryVector):
        index = index or await active_index(database)
        made_here = index is not None and query_vector.index_id == index.id
        query_vector = np.asarray(query_vector.values, dtype=np.float32) if made_here else None
    [hits] = await search_many(
        database,
        [Query(query, query_vector, k)],
        course_ids,
        kinds=kinds,
        embedder=embedder,
        settings=settings,
        vectors=vectors,
        index=index,
    )
    return hits


@traced("rag.search")
async def search_many(
    database: Database,
    queries: Sequence[Query],
    course_ids: Sequence[uuid.UUID],
    *,
    kinds: Sequence[str] | None = None,
    embedder: Embedder | None = None,
    settings: RagSettings | None = None,
    vectors: bool = False,
    index: IndexInfo | None = None,
) -> list[list[Hit]]:
    """Each query's hits, as ``search`` finds them, from one statement (one round trip and one
    index read for a question and its options); the arguments mean what they mean there."""
    found: list[list[Hit]] = [[] for _ in queries]
    asked = [n for n, q in enumerate(queries) if q.text.strip() and q.k >= 1]
    if not asked or not course_ids:
        return found
    settings = settings or RagSettings()
    # Read once: a switch in the middle of this search cannot mix two indexes' vectors.
    index = index or await active_index(database)
    if index is None:  # nothing was ever ingested
        return found
    encoded = [await _query_vector(queries[n], index, embedder, settings) for n in asked]
    embedding = vector_column(index.dimensions)
    scope: list[ColumnElement[bool]] = [
        RagChunk.index_id == index.id,
        RagChunk.course_id.in_(list(course_ids)),
    ]
    if kinds:
        scope.append(RagChunk.kind.in_(list(kinds)))
    terms = [any_term_query(queries[n].text) if settings.hybrid else "" for n in asked]
    async with database.session() as session, session.begin():
        await apply_search_settings(session, settings)
        bounds = await _text_bounds(session, terms, settings.text_rows)
        # A small scope is ordered by the stored column, which no index is on: every distance
        # is computed (exact, and the same answer whatever else shares the HNSW graph).
        small = await _fits(session, scope, settings.exact_rows)
        searched = RagChunk.embedding.expression if small else embedding
        ranked = union_all(
            *(
                _query_hits(n, queries[n].k, leg_terms, bound, vector, searched, scope, settings)
                for n, leg_terms, bound, vector in zip(asked, terms, bounds, encoded, strict=True)
            )
        ).subquery("hits")
        rows = (await session.execute(_hits_statement(ranked, embedding, vectors))).all()
    for query, *hit in rows:
        found[query].append(_hit(*hit))
    return found


def _hits_statement(ranked: Subquery, embedding: ColumnElement[Any], vectors: bool) -> Select[Any]:
    stored = (embedding if vectors else literal(None)).label("stored_vector")
    return (
        select(ranked.c.query, ranked.c.score, ranked.c.similarity, RagChunk)
        .add_columns(Lesson.title, Unit.title, stored)
        .join(RagChunk, RagChunk.id == ranked.c.id)
        .join(Lesson, Lesson.id == RagChunk.lesson_id)
        .join(Unit, Unit.id == Lesson.unit_id)
        .order_by(ranked.c.query, ranked.c.score.desc(), ranked.c.similarity.desc(), RagChunk.id)
    )


async def _text_bounds(
    session: AsyncSession, terms: list[str], text_rows: int
) -> list[list[str] | None]:
    """Per query, the rare lexemes its text leg reads rows by (None: every match)."""
    if text_rows <= 0 or not any(terms):
        return [None for _ in terms]
    found: list[QueryTerms] = await query_terms(session, terms)
    return [term.rarest_within(text_rows) for term in found]


async def _fits(session: AsyncSession, scope: list[ColumnElement[bool]], rows: int) -> bool:
    """Whether the scope holds at most ``rows`` chunks (reading at most rows + 1 index entries)."""
    if rows <= 0:
        return False
    held = select(literal(1)).select_from(RagChunk).where(*scope).limit(rows + 1).subquery()
    count = await session.scalar(select(func.count()).select_from(held))
    return (count or 0) <= rows


async def _query_vector(
    query: Query, index: IndexInfo, embedder: Embedder | None, settings: RagSettings
) -> list[float]:
    if query.vector is not None:
        return list(query.vector.tolist())
    embedder = index_embedder(index, embedder, settings.batch_size)
    return list((await embedder.encode_query(query.text)).tolist())


def _query_hits(
    number: int,
    k: int,
    terms: str,
    rare: list[str] | None,
    vector: list[float],
    embedding: ColumnElement[Any],
    scope: list[ColumnElement[bool]],
    settings: RagSettings,
) -> Select[Any]:
    """One query's k fused hits: (query number, chunk id, fused score, cosine); ``rare``: the
    lexemes the text leg reads rows by (None: every match)."""
    listed = max(settings.candidates, k)
    # A bounded text leg also ranks the rows the HNSW scan visits anyway (ef_search of them):
    # a row that shares only common words with the question is most likely among them.
    reach = listed if rare is None else max(listed, settings.ef_search)
    nearest = _nearest(embedding, vector, scope, reach).cte(f"nearest_{number}")
    pool = None if rare is None else TextPool(nearest, rare, 2 * settings.text_rows)
    fused = _fused(
        _vector_ranked(nearest, listed),
        _text_ranked(terms, scope, settings.candidates, embedding.cosine_distance(vector), pool),
        settings.rrf_k,
        k,
    )
    similarity = 1 - embedding.cosine_distance(vector)
    return select(
        literal(number).label("query"),
        fused.c.id,
        fused.c.score,
        similarity.label("similarity"),
    ).join(RagChunk, RagChunk.id == fused.c.id)


def _hit(
    score: float,
    cosine: float,
    chunk: RagChunk,
    lesson_title: str,
    chapter_title: str,
    vector: Any,
) -> Hit:
    return Hit(
        chunk_id=chunk.id,
        lesson_id=chunk.lesson_id,
        lesson_title=lesson_title,
        chapter_title=chapter_title,
        source_module=chunk.chunk_metadata.get("source_module"),
        score=float(score),
        similarity=float(cosine),
        text=chunk.text,
        kind=chunk.kind,
        item_id=chunk.chunk_metadata.get("item_id"),
        vector=None if vector is None else np.asarray(vector, dtype=np.float32),
    )


async def apply_search_settings(session: AsyncSession, settings: RagSettings) -> None:
    """``SET LOCAL`` of every search setting, in one round trip (``set_config(..., true)``)."""
    pairs = search_session_settings(settings)
    calls = ", ".join(f"set_config('{name}', '{value}', true)" for name, value in pairs)
    await session.execute(text(f"SELECT {calls}"))


def search_session_settings(settings: RagSettings) -> list[tuple[str, str]]:
    """Planner and index settings of one search, as (name, trusted literal) pairs."""
    return [
        # Filtered HNSW scans keep going until enough rows pass the course filter.
        ("hnsw.iterative_scan", "relaxed_order"),
        ("hnsw.ef_search", str(max(settings.ef_search, settings.candidates))),
        # The driver prepares statements; after five runs PostgreSQL may switch to a generic
        # plan made without the query vector and terms, which scans far more rows here.
        ("plan_cache_mode", "force_custom_plan"),
    ]


def _nearest(
    embedding: ColumnElement[Any], vector: list[float], scope: list[ColumnElement[bool]], n: int
) -> Select[Any]:
    """The n nearest chunks in scope: (id, distance); on the HNSW index when ``embedding`` is
    its expression."""
    distance = embedding.cosine_distance(vector)
    return select(RagChunk.id, distance.label("distance")).where(*scope).order_by(distance).limit(n)


def _vector_ranked(nearest: CTE | Subquery, n: int) -> Select[Any]:
    """The first n of the nearest rows: (id, rank, distance)."""
    rank = func.row_number().over(order_by=(nearest.c.distance, nearest.c.id)).label("rank")
    ranked = select(nearest.c.id, rank, nearest.c.distance).subquery("vector_ranked")
    return select(ranked.c.id, ranked.c.rank, ranked.c.distance).where(ranked.c.rank <= n)


@dataclass(frozen=True)
class TextPool:
    """The rows a bounded text leg ranks: the vector candidates, and the rows holding one of the
    ``rare`` lexemes (at most ``cap`` of them: a guard for statistics that are out of date)."""

    nearest: CTE | Subquery
    rare: list[str]
    cap: int


def _text_ranked(
    terms: str,
    scope: list[ColumnElement[bool]],
    n: int,
    closeness: ColumnElement[Any],
    pool: TextPool | None = None,
) -> Select[Any]:
    """The n best chunks by ``ts_rank`` with every term: among every match, or the pool's. Equal
    ranks (common: short chunks sharing the terms) go to the chunk nearer the query
    (``closeness``, its cosine distance), then by id: a ranking every plan gives alike, so the
    bounded and the exact searches agree."""
    if not terms:
        nothing = select(RagChunk.id, literal(0).label("rank"), closeness.label("distance"))
        return nothing.where(literal(False))
    tsquery = func.websearch_to_tsquery("english", terms)
    relevance = func.ts_rank(RagChunk.search, tsquery).label("relevance")
    distance = closeness.label("distance")
    matches = RagChunk.search.op("@@")(tsquery)
    if pool is None:
        candidates = select(RagChunk.id, relevance, distance).where(*scope, matches)
    else:
        pooled = _pooled(pool, scope)
        candidates = (
            select(RagChunk.id, relevance, distance)
            .join(pooled, pooled.c.id == RagChunk.id)
            .where(matches)
        )
    ranked = candidates.subquery("candidates")
    matching = (
        select(ranked.c.id, ranked.c.relevance, ranked.c.distance)
        .order_by(ranked.c.relevance.desc(), ranked.c.distance, ranked.c.id)
        .limit(n)
        .subquery("matching")
    )
    order = (matching.c.relevance.desc(), matching.c.distance, matching.c.id)
    rank = func.row_number().over(order_by=order)
    return select(matching.c.id, rank.label("rank"), matching.c.distance)


def _pooled(pool: TextPool, scope: list[ColumnElement[bool]]) -> Subquery:
    """The pool's chunk ids. OFFSET 0 keeps the planner from merging it into the ranking query,
    whose whole-question @@ it would then answer from the GIN index: every matching row, the
    very reads this pool is there to avoid."""
    near = select(pool.nearest.c.id)
    if pool.rare:
        rare = RagChunk.search.op("@@")(cast(any_of(pool.rare), TSQUERY))
        held = select(RagChunk.id).where(*scope, rare).limit(pool.cap)
        ids = union(near, held.subquery("rare_rows").select()).subquery("pool_ids")
        return select(ids.c.id).offset(0).subquery("pool")
    return near.offset(0).subquery("pool")


def _fused(vector_ranked: Select[Any], text_ranked: Select[Any], rrf_k: int, k: int) -> Subquery:
    """The k best by reciprocal rank fusion. Equal scores are common (first in one leg only, in
    either leg, is one score) and go to the chunk nearer the query, then by id: ids are random,
    and a tie at the k-th place broken by them made a search's answer change with each ingestion."""
    ranked = union_all(vector_ranked, text_ranked).subquery("ranked")
    score = func.sum(1.0 / (rrf_k + ranked.c.rank))
    distance = func.min(ranked.c.distance)  # the same in both legs
    return (
        select(ranked.c.id, score.label("score"))
        .group_by(ranked.c.id)
        .order_by(score.desc(), distance, ranked.c.id)
        .limit(k)
        .subquery("fused")
    )
