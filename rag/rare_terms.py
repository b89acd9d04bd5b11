"""Which of a query's terms the full-text leg reads rows by: the rarest, while the rows they match
(estimated from PostgreSQL's own statistics of ``rag_chunks.search``) fit a budget.

``ts_rank`` reads every row it ranks, and a question's common words ("data", "value", "use")
match most chunks of a large course: ranking every match took 239 ms p95 at 100k chunks. ANALYZE
keeps the most common lexemes of the tsvector column with the share of rows holding each
(``pg_stats.most_common_elems``, the planner's own figures for ``@@``); a lexeme missing from that
list is rarer than the list's least common entry. Rare terms carry the text leg's precision
anyway (the rows that rank high hold several of them); the common ones still count in the rank.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Each query's lexemes (as to_tsvector makes them) with the listed share of rows holding each,
# the table's row estimate and the least listed share (after the per-lexeme shares pg_stats
# stores the minimum, the maximum and the null share: the minimum is third from the end).
_STATISTICS_SQL = text(
    """
    WITH stats AS (
        SELECT most_common_elems::text::text[] AS lexemes, most_common_elem_freqs AS shares
        FROM pg_stats
        WHERE schemaname = current_schema() AND tablename = 'rag_chunks'
          AND attname = 'search'
    )
    SELECT asked.n, words.lexeme,
           (SELECT shares[array_position(lexemes, words.lexeme)] FROM stats) AS share,
           (SELECT shares[array_length(shares, 1) - 2] FROM stats) AS floor,
           (SELECT reltuples FROM pg_class WHERE oid = to_regclass('rag_chunks')) AS table_rows
    FROM unnest(CAST(:texts AS text[])) WITH ORDINALITY AS asked(body, n),
         unnest(tsvector_to_array(to_tsvector('english', asked.body))) AS words(lexeme)
    """
)


@dataclass(frozen=True)
class QueryTerms:
    """One query's lexemes, each with its estimated row count (None: no statistics)."""

    estimated_rows: dict[str, float | None]

    def rarest_within(self, budget: int) -> list[str] | None:
        """The rarest lexemes whose estimated rows add up to ``budget`` at most; None when every
        match should be read (budget 0, no statistics yet, or a table within the budget)."""
        if budget <= 0 or any(rows is None for rows in self.estimated_rows.values()):
            return None
        chosen: list[str] = []
        total = 0.0
        for lexeme, rows in sorted(self.estimated_rows.items(), key=lambda item: item[1] or 0.0):
            total += rows or 0.0
            if total > budget:
                break
            chosen.append(lexeme)
        return chosen if len(chosen) < len(self.estimated_rows) else None


async def query_terms(session: AsyncSession, texts: Sequence[str]) -> list[QueryTerms]:
    """Each text's lexemes with their row estimates, in one statement."""
    estimates: list[dict[str, float | None]] = [{} for _ in texts]
    rows = await session.execute(_STATISTICS_SQL, {"texts": list(texts)})
    for number, lexeme, share, floor, table_rows in rows:
        known = floor is not None and table_rows is not None and table_rows > 0
        listed = share if share is not None else floor
        estimates[number - 1][lexeme] = float(listed * table_rows) if known else None
    return [QueryTerms(estimate) for estimate in estimates]


def any_of(lexemes: Sequence[str]) -> str:
    """The lexemes as a tsquery literal matching any of them (quoted: taken as they are, not
    parsed or stemmed again)."""
    quoted = ("'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'" for lexeme in lexemes)
    return " | ".join(quoted)
