"""Numbered sources in the prompt, ``[n]`` markers in the answer, citations out."""

import re
import uuid
from collections.abc import Sequence

from pydantic import BaseModel

_MARKER = re.compile(r"\[(\d{1,2})\]")
# When the model cites nothing, the answer was still written from these top sources.
IMPLICIT_CITATIONS = 2


class Source(BaseModel):
    """One retrieved chunk as the model saw it, numbered from 1."""

    number: int
    chunk_id: uuid.UUID
    lesson_id: uuid.UUID
    lesson_title: str
    chapter_title: str
    source_module: str | None
    kind: str
    similarity: float
    text: str


class Citation(BaseModel):
    marker: int
    lesson_id: uuid.UUID
    title: str
    source_module: str | None


def _citation(source: Source) -> Citation:
    return Citation(
        marker=source.number,
        lesson_id=source.lesson_id,
        title=source.lesson_title,
        source_module=source.source_module,
    )


def strip_unknown_markers(answer: str, source_count: int) -> str:
    """Remove markers that point at no source (a model inventing [7] when shown three)."""
    return _MARKER.sub(lambda m: m.group() if 1 <= int(m.group(1)) <= source_count else "", answer)


def cite(answer: str, sources: Sequence[Source]) -> list[Citation]:
    """The lessons behind the answer: those its markers name, in order, one per lesson; when it
    names none, the top sources it was written from (it was told to use nothing else)."""
    by_number = {s.number: s for s in sources}
    named = [by_number[int(n)] for n in _MARKER.findall(answer) if int(n) in by_number]
    chosen = named or list(sources[:IMPLICIT_CITATIONS])
    citations: dict[uuid.UUID, Citation] = {}
    for source in chosen:
        citations.setdefault(source.lesson_id, _citation(source))
    return list(citations.values())


def sources_line(citations: Sequence[Citation]) -> str:
    """The closing line shown under an answer: "Sources: [1] Title; [2] Title"."""
    return "Sources: " + "; ".join(f"[{c.marker}] {c.title}" for c in citations)
