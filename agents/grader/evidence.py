"""Deterministic evidence for a grade: how close an answer is to the item's model answer, and
how well the course's own material supports what the answer claims.

A 135M model writes a fluent verdict whatever the answer, so the grade must also rest on the
material: the cosine similarity of sentence embeddings (the bundled MiniLM) and the overlap of
content words and numbers. Their larger value is the evidence; it is mapped linearly onto 0..1
between a floor (unrelated texts) and a ceiling (a close paraphrase).
"""

import re
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from rag.evidence import ClaimCheck

_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)?")
# A grade from this share of full points credits the answer.
CREDITED_SHARE = 0.5
# Words that carry no content in an answer; numbers always count.
_STOP_WORDS = frozenset(
    re.findall(
        r"\w+",
        "a an and are as at be by for from has have in is it its of on or so that the their "
        "then there these this to was were which will with we you your i",
    )
)


class Encoder(Protocol):
    """Normalised sentence vectors (``rag.embeddings.Embedder`` is one)."""

    async def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class CourseEvidence(Protocol):
    """The course's support of an answer's claims (``rag.evidence.EvidenceScorer`` is one)."""

    async def check_claims(
        self, question: str, claims: Sequence[str], course_ids: Sequence[uuid.UUID]
    ) -> ClaimCheck: ...


def disagreement(share: float, support: ClaimCheck) -> str | None:
    """Why a grade (``share`` of full points) and the course's material disagree, if they do: a
    half-credit or better answer the material does not support, or a failed one it supports."""
    credited = share >= CREDITED_SHARE
    if credited and not support.supported:
        return (
            f"the grade credits the answer, but the course material does not support its claims "
            f"(support {support.confidence:.2f})"
        )
    if not credited and support.supported:
        return (
            f"the grade marks the answer down, but the course material supports its claims "
            f"(support {support.confidence:.2f})"
        )
    return None


def content_tokens(text: str) -> Counter[str]:
    return Counter(t for t in _TOKEN.findall(text.lower()) if t not in _STOP_WORDS)


def token_overlap(answer: str, model_answer: str) -> float:
    """F1 of the answer's content tokens against the model answer's (multiset overlap)."""
    given, expected = content_tokens(answer), content_tokens(model_answer)
    common = sum((given & expected).values())
    if common == 0:
        return 0.0
    precision = common / sum(given.values())
    recall = common / sum(expected.values())
    return 2 * precision * recall / (precision + recall)


async def cosine_similarity(encoder: Encoder, answer: str, model_answer: str) -> float:
    vectors = await encoder.encode([answer, model_answer])
    return float(np.clip(np.dot(vectors[0], vectors[1]), 0.0, 1.0))


async def similarity(encoder: Encoder, answer: str, model_answer: str) -> float:
    """How close the answer is to the model answer, 0..1 (0 for a blank answer)."""
    if not answer.strip() or not model_answer.strip():
        return 0.0
    cosine = await cosine_similarity(encoder, answer, model_answer)
    return max(cosine, token_overlap(answer, model_answer))


def evidence_share(similarity_value: float, floor: float, ceiling: float) -> float:
    """The similarity as a share of full points: 0 at ``floor`` or below, 1 at ``ceiling``."""
    if ceiling <= floor:
        return 1.0 if similarity_value >= ceiling else 0.0
    return float(np.clip((similarity_value - floor) / (ceiling - floor), 0.0, 1.0))
