"""A generated lesson held to its sources, paragraph by paragraph.

The writer numbers the source each paragraph rests on, and a 135M writer numbers at random or
not at all. Here the evidence decides instead: each claim-bearing paragraph's sentences are
weighed against the topic's sources (``rag.evidence.EvidenceScorer.attribute``); the paragraph
cites the source its claims rest on, and one that no source supports is replaced by that source's
sentences nearest to it, in the book's words, so a learner never reads an unsupported claim with
a citation that looks like support.
"""

import enum
import re
import textwrap
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from agents.content.readability import flesch_kincaid_grade
from rag.evidence import Attribution, claims_of

_WORD = re.compile(r"\w+")
# A paragraph this short is a transition, not a claim that needs a source.
CLAIM_MIN_WORDS = 12
# A paragraph's longest text (``agents.content.schemas.Paragraph``).
PARAGRAPH_CHARS = 320


class Outcome(enum.StrEnum):
    KEPT = "kept"  # its sources support it, and it cited the one they rest on
    RECITED = "recited"  # its sources support it, but it cited another (or none): now corrected
    REPLACED = "replaced"  # no source supports it: the nearest sentences of its best source
    UNWEIGHED = "unweighed"  # nothing to weigh it against (the course has no index yet)
    # A lesson composed from its sources (``agents.content.composition``):
    QUOTED = "quoted"  # the source's own sentences
    REWORDED = "reworded"  # the writer's rewording of them, which the evidence still supports

    @property
    def in_source_words(self) -> bool:
        """Whether the paragraph is shown as a quotation of its source."""
        return self in (Outcome.REPLACED, Outcome.QUOTED)


class ParagraphGrounding(BaseModel):
    """What the evidence found for one claim-bearing paragraph of a lesson."""

    section: int
    paragraph: int
    source: int  # the source number the paragraph cites now (1-based)
    # The mean calibrated probability that the sources state its claims (1 for a quotation).
    support: float
    outcome: Outcome


def claim_bearing(text: str) -> bool:
    return len(_WORD.findall(text)) >= CLAIM_MIN_WORDS


def resting_source(attributions: Sequence[Attribution]) -> tuple[int, float]:
    """The passage a paragraph's claims rest on (the most probability mass), as an index into
    the passages weighed, and the mean probability that the material states the claims."""
    mass: dict[int, float] = {}
    for found in attributions:
        if found.passage >= 0:
            mass[found.passage] = mass.get(found.passage, 0.0) + found.probability
    if not mass:
        return -1, 0.0
    support = sum(a.probability for a in attributions) / len(attributions)
    return max(mass, key=lambda passage: mass[passage]), support


def outcome(cited: int, resting: int, supported: bool) -> Outcome:
    if not supported:
        return Outcome.REPLACED
    return Outcome.KEPT if cited == resting else Outcome.RECITED


def source_sentences(text: str) -> list[str]:
    """A source passage's sentences, without the Markdown quote marks of its notes and examples
    (a shortened passage's trailing " …" stays out)."""
    found = (claim.lstrip("> ").strip() for claim in claims_of(text.removesuffix(" …")))
    return [sentence for sentence in found if len(sentence.split()) >= 3]


def nearest_indices(
    sentences: Sequence[str], closeness: np.ndarray, max_grade: float | None = None
) -> list[int]:
    """The sentences closest to what a paragraph is to say, as many as fit a paragraph, in the
    source's own order (the closest one alone if it is too long). With ``max_grade``, only
    sentences a reader of that grade can read are taken, unless none is."""
    readable = [
        i
        for i in range(len(sentences))
        if max_grade is None or flesch_kincaid_grade(sentences[i]) <= max_grade
    ] or list(range(len(sentences)))
    chosen: list[int] = []
    used = 0
    for index in sorted(readable, key=lambda i: -closeness[i]):
        length = len(sentences[index]) + (1 if chosen else 0)
        if used + length <= PARAGRAPH_CHARS:
            chosen.append(index)
            used += length
    return sorted(chosen) or [max(readable, key=lambda i: closeness[i])]


def paragraph_of(sentences: Sequence[str], chosen: Sequence[int]) -> str:
    """The chosen sentences as one paragraph, shortened when a single one is too long."""
    text = " ".join(sentences[i] for i in chosen)
    return textwrap.shorten(text, PARAGRAPH_CHARS, placeholder=" …")


def nearest_sentences(
    sentences: Sequence[str], closeness: np.ndarray, max_grade: float | None = None
) -> str:
    """``nearest_indices`` as a paragraph."""
    return paragraph_of(sentences, nearest_indices(sentences, closeness, max_grade))
