"""Evidence: how strongly a course's own passages support an answer, and which passage to cite.

The bundled 135M model writes fluent guesses; what is right comes from the material. One
interface serves the tutor, the content checks, the grader and the evals:
``EvidenceScorer.rank(question, options, course_ids)`` ranks a multiple-choice question's options,
``EvidenceScorer.support(claim, question, course_ids)`` scores one claim (a generated item's key,
a learner's short answer), ``check_claims`` the sentences of an answer together, and
``attribute(question, claims, passages, course_ids)`` finds which of the passages given (a
generated lesson's sources) supports each claim.

How an option is scored (chosen and weighed on the dev chapters of the eval books; figures in
``bench/evidence.py`` and docs/configuration.md):

1. **Passages**: the lesson texts and glossary definitions retrieved for the question, and for
   the question joined to each option when ``option_passages`` asks (to a claim scored alone:
   ``claim_passages``), in one statement, each with its stored vector (nothing is re-encoded).
2. **Semantic**: the cosine of "question + option" with each passage (the bi-encoder); with a
   cross-encoder configured (``WC_EVIDENCE_CROSS_ENCODER``), its score of the pair instead.
3. **Co-occurrence**: in each sentence of a passage (``window_sentences``), the share of the
   question's words and the share of the option's own words (not in the question, not shared by
   every option) that the sentence holds, each word weighed by its rarity in the course; their
   product.
   A passage that merely shares the topic scores nothing here: the option has to be said where
   the question's subject is.
4. The option's support is its best passage's ``semantic + lexical_weight · co-occurrence``; that
   passage is the one to cite.
5. A negated stem ("Which … is **not** …", "… **except** …") asks for the least-supported option.
6. ``confidence`` maps the margin between the chosen option and the next one to the probability
   that the choice is the key (a logistic fit on the dev chapters): "supported" means that
   probability reaches ``WC_EVIDENCE_SUPPORTED_CONFIDENCE``.
7. Options that are mostly numbers (a computation's results) are not the material's to judge: the
   ranking still orders them, with confidence 0, so none is "supported".
"""

import asyncio
import math
import re
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select

from core.infra.database import Database
from core.words import content_words
from rag.embeddings import Embedder
from rag.indexes import IndexInfo, active_index, index_embedder
from rag.models import RagChunk
from rag.retrieve import Hit, Query, search_many
from rag.settings import RagSettings

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder

# Stems that ask for the option the material does not support: a "which" clause that negates
# ("Which of the following is not…", "…doesn't…", "…is false?", "…least likely…"), "all of these…
# except", or an emphatic NOT / EXCEPT. A "not" elsewhere ("students who do not…", "would not be
# able to ___", "at least five") asks for what the material does say.
_WHICH_NEGATED = re.compile(
    r"\bwhich\b[^.?!\n]*?(?:\b(?:not|except|false|incorrect|untrue|least likely)\b|n't\b)",
    re.IGNORECASE,
)
_ALL_EXCEPT = re.compile(r"\b(?:all|each|any)\b[^.?!\n]*?\bexcept\b", re.IGNORECASE)
_EMPHATIC = re.compile(r"\b(?:NOT|EXCEPT)\b")
_SENTENCE = re.compile(r"[^.!?\n]+")
_CLAIM = re.compile(r"[^.!?\n]+[.!?]?")  # a sentence with its end mark
# A word or a number ("3.5", "1,000"); an option whose tokens are mostly numbers is computed.
_TOKEN = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*")
EVIDENCE_KINDS = ("text", "definition")


class EvidenceSettings(BaseSettings):
    """How many passages are weighed, how the two signals combine, and what "supported" means
    (``WC_EVIDENCE_*``). The defaults were fitted on the eval books' dev chapters."""

    model_config = SettingsConfigDict(env_prefix="WC_EVIDENCE_", env_file=".env", extra="ignore")

    question_passages: int = Field(8, ge=1, le=50, description="Passages retrieved per question.")
    option_passages: int = Field(
        0,
        ge=0,
        le=20,
        description="Passages retrieved per option (question + option); 0: the question's only.",
    )
    claim_passages: int = Field(
        3,
        ge=0,
        le=20,
        description="Passages retrieved for a claim scored alone (``support``): question + claim.",
    )
    window_sentences: int = Field(1, ge=1, le=5, description="Sentences per co-occurrence window.")
    lexical_weight: float = Field(
        0.9, ge=0, description="Weight of the co-occurrence signal beside the semantic one."
    )
    confidence_slope: float = Field(
        6.81, description="Logistic map of the margin to the probability that the choice is right."
    )
    confidence_intercept: float = Field(-0.26)
    supported_confidence: float = Field(
        0.6, ge=0, le=1, description="The probability from which a choice counts as supported."
    )
    cross_encoder: str = Field(
        "",
        description="A sentence-transformers CrossEncoder directory scoring (claim, passage) "
        "pairs instead of the bi-encoder's cosine; none ships in a package, so empty by default.",
    )
    claim_slope: float = Field(
        2.73,
        description="Logistic map of a claim's support score to the probability that the "
        "material states it rather than a plausible false claim (fitted on the dev chapters: "
        "each question's keyed option against one of its distractors).",
    )
    claim_intercept: float = Field(-2.57)
    claim_supported_confidence: float = Field(
        0.5,
        ge=0,
        le=1,
        description="The mean claim probability from which an answer counts as supported.",
    )
    term_cache_seconds: float = Field(
        600, ge=0, description="How long a course's word rarities are reused before re-reading."
    )


@dataclass(frozen=True)
class Support:
    """How well the course supports one option or claim, and the passage that says so."""

    text: str
    score: float
    semantic: float  # at the cited passage
    cooccurrence: float  # at the cited passage
    passage: Hit | None
    # The best semantic score over all the passages: what similarity alone would rank by.
    similarity: float = 0.0


@dataclass(frozen=True)
class Ranking:
    """A multiple-choice question's options by support, and the one the evidence picks."""

    question: str
    negated: bool
    supports: list[Support]  # in the options' order
    best: int  # the index of the option the evidence picks
    margin: float  # how far it is ahead of the next option, in the direction the stem asks
    confidence: float  # the calibrated probability that ``best`` is the key
    supported_confidence: float

    @property
    def supported(self) -> bool:
        return self.confidence >= self.supported_confidence

    @property
    def chosen(self) -> Support:
        return self.supports[self.best]

    @property
    def most_similar(self) -> int:
        """The option similarity alone would pick (the bi-encoder baseline evidence must beat)."""
        return max(range(len(self.supports)), key=lambda i: self.supports[i].similarity)


def negated(question: str) -> bool:
    """Whether the stem asks for the option that is *not* so ("Which … is not …", "except")."""
    return any(p.search(question) for p in (_WHICH_NEGATED, _ALL_EXCEPT, _EMPHATIC))


def logistic(values: np.ndarray) -> np.ndarray:
    clipped: np.ndarray = np.clip(values, -50, 50)
    return 1 / (1 + np.exp(-clipped))


def fit_confidence(margins: Sequence[float], right: Sequence[bool]) -> tuple[float, float]:
    """The logistic map (slope, intercept) from a pick's margin to the probability that it is
    right, fitted by maximum likelihood (Newton's method) on scored questions with known keys:
    how the shipped ``confidence_*`` settings were made (``bench/evidence.py`` prints a refit)."""
    x = np.column_stack([np.asarray(margins, dtype=np.float64), np.ones(len(margins))])
    y = np.asarray(right, dtype=np.float64)
    beta = np.zeros(2)
    for _ in range(50):
        p = logistic(x @ beta)
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + 1e-6 * np.eye(2)
        step = np.linalg.solve(hessian, x.T @ (y - p))
        beta += step
        if np.abs(step).max() < 1e-9:
            break
    return float(beta[0]), float(beta[1])


@dataclass
class TermWeights:
    """The rarity (inverse document frequency) of each word over a course's passages."""

    documents: int
    frequencies: Counter[str]

    @classmethod
    def of(cls, documents: Sequence[str]) -> "TermWeights":
        frequencies: Counter[str] = Counter()
        for text in documents:
            frequencies.update(content_words(text))
        return cls(len(documents), frequencies)

    def weight(self, word: str) -> float:
        return math.log((self.documents + 1) / (self.frequencies.get(word, 0) + 1)) + 1

    def weights(self, words: set[str]) -> dict[str, float]:
        return {word: self.weight(word) for word in words}


def sentence_windows(passage: str, size: int = 1) -> list[set[str]]:
    """The words of each window of ``size`` sentences of a passage (one sentence by default: on
    the dev chapters two-sentence windows let a distractor named in the next sentence score)."""
    sentences = _SENTENCE.findall(passage)
    windows = [" ".join(sentences[i : i + size]) for i in range(len(sentences))] or [passage]
    return [content_words(window) for window in windows]


def numeric(option: str) -> bool:
    """Whether more than half of an option's words and numbers are numbers ("3.5", "35:1")."""
    tokens = _TOKEN.findall(option)
    return 2 * sum(token[0].isdigit() for token in tokens) > len(tokens)


def computed(options: Sequence[str]) -> bool:
    """Whether most options are numbers: a computation, which passages cannot rank."""
    return 2 * sum(map(numeric, options)) > len(options)


def cooccurrence(asked: dict[str, float], said: dict[str, float], windows: list[set[str]]) -> float:
    """The best window: the weighted share of the question's words it holds times the weighted
    share of the option's own words it holds."""
    asked_total, said_total = sum(asked.values()) or 1.0, sum(said.values()) or 1.0
    best = 0.0
    for present in windows:
        question_share = sum(w for word, w in asked.items() if word in present) / asked_total
        option_share = sum(w for word, w in said.items() if word in present) / said_total
        best = max(best, question_share * option_share)
    return best


def own_words(options: Sequence[str], question: str) -> list[set[str]]:
    """Each option's distinctive words: not in the question, not shared by every option (all of
    its words when nothing is left)."""
    asked = content_words(question)
    words = [content_words(option) for option in options]
    shared = set.intersection(*words) if words else set()
    return [(own - asked - shared) or own for own in words]


@dataclass(frozen=True)
class ClaimCheck:
    """How well the passages support the claims of one answer, taken together."""

    supports: list[Support]  # one per claim
    confidence: float  # the mean calibrated probability that the material states a claim
    supported_confidence: float

    @property
    def supported(self) -> bool:
        return self.confidence >= self.supported_confidence

    @property
    def weakest(self) -> Support | None:
        return min(self.supports, key=lambda s: s.score, default=None)


@dataclass(frozen=True)
class Attribution:
    """The given passage that supports a claim best, and the calibrated probability that the
    material states the claim (``passage`` is -1 when there was nothing to weigh)."""

    claim: str
    passage: int
    score: float
    probability: float


def claims_of(text: str) -> list[str]:
    """The sentences of an answer or a paragraph, each a claim the material may support."""
    return [s.strip() for s in _CLAIM.findall(text) if len(s.split()) >= 2]


class EvidenceScorer:
    """Scores options and claims against the passages of the courses a caller may see."""

    def __init__(
        self,
        database: Database,
        embedder: Embedder,
        settings: EvidenceSettings | None = None,
        rag_settings: RagSettings | None = None,
    ) -> None:
        self.database, self.embedder = database, embedder
        self.settings = settings or EvidenceSettings()
        self.rag_settings = rag_settings or RagSettings()
        self._terms: dict[tuple[int, tuple[uuid.UUID, ...]], tuple[float, TermWeights]] = {}

    async def rank(
        self, question: str, options: Sequence[str], course_ids: Sequence[uuid.UUID]
    ) -> Ranking:
        """The options ranked by the support of the course's passages."""
        supports = await self._supports(question, list(options), course_ids)
        is_negated = negated(question)
        scores = np.array([s.score for s in supports]) * (-1 if is_negated else 1)
        order = np.argsort(-scores, kind="stable")
        best = int(order[0])
        margin = float(scores[best] - scores[order[1]]) if len(order) > 1 else 0.0
        # A computation's results: the order stands, but the scorer claims nothing about it.
        confidence = 0.0 if computed(options) else self.confidence(margin)
        return Ranking(
            question=question,
            negated=is_negated,
            supports=supports,
            best=best,
            margin=margin,
            confidence=confidence,
            supported_confidence=self.settings.supported_confidence,
        )

    async def support(self, claim: str, question: str, course_ids: Sequence[uuid.UUID]) -> Support:
        """How well the passages support one claim made in answer to the question."""
        [found] = await self._supports(question, [claim], course_ids, self.settings.claim_passages)
        return found

    async def check_claims(
        self, question: str, claims: Sequence[str], course_ids: Sequence[uuid.UUID]
    ) -> ClaimCheck:
        """The support of each claim an answer makes (its sentences), and of all of them."""
        s = self.settings
        supports = await self._supports(question, list(claims), course_ids, s.claim_passages)
        probabilities = self._claim_probabilities([support.score for support in supports])
        confidence = float(probabilities.mean()) if len(supports) else 0.0
        return ClaimCheck(supports, confidence, s.claim_supported_confidence)

    async def attribute(
        self,
        question: str,
        claims: Sequence[str],
        passages: Sequence[str],
        course_ids: Sequence[uuid.UUID],
    ) -> list[Attribution]:
        """Each claim's best-supporting passage among the ``passages`` given (a generated
        lesson's own sources), scored as ``check_claims`` scores the passages it retrieves (the
        course's word rarities; the same calibration)."""
        index = await active_index(self.database)
        if index is None or not claims or not passages:
            return [Attribution(claim, -1, 0.0, 0.0) for claim in claims]
        embedder = index_embedder(index, self.embedder, self.rag_settings.batch_size)
        asked = [f"{question} {claim}".strip() for claim in claims]
        texts = list(passages)
        encoded = await embedder.encode([*asked, *texts])
        vectors, passage_vectors = encoded[: len(asked)], encoded[len(asked) :]
        semantic = await self._semantic(asked, vectors, texts, passage_vectors)
        together = await self._cooccurrences(index, question, list(claims), texts, course_ids)
        combined = semantic + self.settings.lexical_weight * together
        best = combined.argmax(axis=1)
        scores = combined[np.arange(len(claims)), best]
        probabilities = self._claim_probabilities(scores)
        return [
            Attribution(claim, int(j), float(score), float(probability))
            for claim, j, score, probability in zip(
                claims, best, scores, probabilities, strict=True
            )
        ]

    def _claim_probabilities(self, scores: Sequence[float] | np.ndarray) -> np.ndarray:
        s = self.settings
        return logistic(s.claim_slope * np.asarray(scores, dtype=np.float64) + s.claim_intercept)

    def confidence(self, margin: float) -> float:
        s = self.settings
        return float(logistic(np.asarray(s.confidence_slope * margin + s.confidence_intercept)))

    async def _supports(
        self,
        question: str,
        options: list[str],
        course_ids: Sequence[uuid.UUID],
        per_option: int | None = None,
    ) -> list[Support]:
        """Each option's support; ``per_option``: passages also retrieved for question + option
        (``option_passages`` unless given)."""
        index = await active_index(self.database)
        if index is None or not options or not course_ids:
            return [Support(option, 0.0, 0.0, 0.0, None) for option in options]
        embedder = index_embedder(index, self.embedder, self.rag_settings.batch_size)
        claims = [f"{question} {option}".strip() for option in options]
        # The question's own search vector in the same forward pass as the claims'.
        encoded = await embedder.encode([question, *claims])
        vectors = encoded[1:]
        per_option = self.settings.option_passages if per_option is None else per_option
        passages = await self._passages(
            index, question, encoded[0], claims, vectors, course_ids, per_option
        )
        if not passages:  # the index holds nothing of these courses
            return [Support(option, 0.0, 0.0, 0.0, None) for option in options]
        texts = [p.text for p in passages]
        stored = [p.vector for p in passages if p.vector is not None]
        assert len(stored) == len(passages), "searched with vectors=True"
        semantic = await self._semantic(claims, vectors, texts, np.stack(stored))
        together = await self._cooccurrences(index, question, options, texts, course_ids)
        combined = semantic + self.settings.lexical_weight * together
        supports = []
        for i, option in enumerate(options):
            j = int(combined[i].argmax())
            scores = (float(combined[i, j]), float(semantic[i, j]), float(together[i, j]))
            supports.append(Support(option, *scores, passages[j], float(semantic[i].max())))
        return supports

    async def _cooccurrences(
        self,
        index: IndexInfo,
        question: str,
        options: list[str],
        texts: list[str],
        course_ids: Sequence[uuid.UUID],
    ) -> np.ndarray:
        """options × passages: each option's co-occurrence with the question in each passage."""
        terms = await self._term_weights(index, course_ids)
        asked = terms.weights(content_words(question))
        said = [terms.weights(words) for words in own_words(options, question)]
        windows = [sentence_windows(text, self.settings.window_sentences) for text in texts]
        return np.array([[cooccurrence(asked, own, w) for w in windows] for own in said])

    async def _passages(
        self,
        index: IndexInfo,
        question: str,
        question_vector: np.ndarray,
        claims: list[str],
        vectors: np.ndarray,
        course_ids: Sequence[uuid.UUID],
        per_option: int,
    ) -> list[Hit]:
        """The question's passages, then each claim's, once each, with their stored vectors: one
        statement for all the searches."""
        queries = [Query(question, question_vector, self.settings.question_passages)]
        if per_option:
            queries += [
                Query(claim, vector, per_option)
                for claim, vector in zip(claims, vectors, strict=True)
            ]
        found = await search_many(
            self.database,
            queries,
            course_ids,
            kinds=EVIDENCE_KINDS,
            embedder=self.embedder,
            settings=self.rag_settings,
            vectors=True,
            index=index,
        )
        unique: dict[uuid.UUID, Hit] = {}
        for hit in (hit for hits in found for hit in hits):
            unique.setdefault(hit.chunk_id, hit)
        return list(unique.values())

    async def _semantic(
        self, claims: list[str], vectors: np.ndarray, texts: list[str], passage_vectors: np.ndarray
    ) -> np.ndarray:
        """claims × passages: the cross-encoder's scores when one is configured, else cosines."""
        if self.settings.cross_encoder:
            pairs = [(claim, text) for claim in claims for text in texts]
            scores = await asyncio.to_thread(self._cross_encoder.predict, pairs)
            return np.asarray(scores, dtype=np.float32).reshape(len(claims), len(texts))
        return vectors @ passage_vectors.T

    @cached_property
    def _cross_encoder(self) -> "CrossEncoder":
        from sentence_transformers import CrossEncoder

        # A sigmoid keeps its scores on the cosine's scale, so the same weights apply.
        return CrossEncoder(self.settings.cross_encoder, num_labels=1, device="cpu")

    async def _term_weights(self, index: IndexInfo, course_ids: Sequence[uuid.UUID]) -> TermWeights:
        key = (index.id, tuple(sorted(course_ids)))
        cached = self._terms.get(key)
        if cached and time.monotonic() - cached[0] < self.settings.term_cache_seconds:
            return cached[1]
        async with self.database.session() as session:
            texts = await session.scalars(
                select(RagChunk.text).where(
                    RagChunk.index_id == index.id,
                    RagChunk.course_id.in_(list(course_ids)),
                    RagChunk.kind.in_(EVIDENCE_KINDS),
                )
            )
            documents = list(texts)
        weights = await asyncio.to_thread(TermWeights.of, documents)
        self._terms[key] = (time.monotonic(), weights)
        return weights
