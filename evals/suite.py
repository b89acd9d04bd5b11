"""What a suite is: a versioned dataset, a scorer and thresholds (one module each under
``evals/suites/<name>/``), put together here, and what the runner hands a scorer."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from core.infra.database import Database
from evals.likelihood import Likelihood
from rag.embeddings import Embedder
from rag.evidence import EvidenceScorer
from rag.settings import RagSettings
from serving.client import LLMClient

Better = Literal["higher", "lower"]


@dataclass(frozen=True)
class Metric:
    """One figure a suite reports: the mean of its per-example scores."""

    name: str
    description: str
    better: Better = "higher"
    # A run passes when the mean is at least this (at most, when lower is better).
    threshold: float | None = None
    # How much worse than the champion a candidate may be before the gate calls it a regression.
    tolerance: float = 0.0

    def passes(self, mean: float) -> bool:
        if self.threshold is None:
            return True
        return mean >= self.threshold if self.better == "higher" else mean <= self.threshold

    def toward_better(self, delta: float) -> float:
        """A difference turned so that positive always means better."""
        return delta if self.better == "higher" else -delta


@dataclass(frozen=True)
class Thresholds:
    """A suite's metrics; ``target`` is the one a candidate must improve to be promoted on it."""

    target: str
    metrics: tuple[Metric, ...]

    def metric(self, name: str) -> Metric:
        return next(metric for metric in self.metrics if metric.name == name)


@dataclass(frozen=True)
class Example:
    """One scored question: its scores by metric (a metric that does not apply is absent) and
    what the per-example table shows."""

    example_id: str
    scores: dict[str, float]
    record: dict[str, Any] = field(default_factory=dict)


class Progress(Protocol):
    def __call__(self, done: int, total: int) -> None: ...


@dataclass
class SuiteContext:
    """Everything a scorer may use. ``llm`` is the model under evaluation (None for suites that
    need none); ``judge`` scores free text (the model under evaluation unless one is set)."""

    books_dir: Path
    llm: LLMClient | None = None
    # Log-probabilities of the model under evaluation: ``llm`` or its weights read in process.
    likelihood: Likelihood | None = None
    judge: LLMClient | None = None
    database: Database | None = None
    rag_settings: RagSettings = field(default_factory=RagSettings)
    embedder: Embedder | None = None
    evidence: EvidenceScorer | None = None
    progress: Progress = field(default=lambda done, total: None)
    # Resolves an imported book's course id by the book's folder name (None: not imported).
    course_of: Callable[[str], Awaitable[uuid.UUID | None]] | None = None

    def require_llm(self, suite: str) -> LLMClient:
        if self.llm is None:
            raise ValueError(f"the {suite} suite needs a model: pass --model URI or --endpoint URL")
        return self.llm

    def require_likelihood(self, suite: str) -> Likelihood:
        return self.likelihood or self.require_llm(suite)

    def require_database(self, suite: str) -> Database:
        if self.database is None:
            raise ValueError(f"the {suite} suite searches the course database: none configured")
        return self.database

    def shared_embedder(self) -> Embedder:
        """The embedding model of the course search, loaded once for all of a run's scorers."""
        if self.embedder is None:
            settings = self.rag_settings
            self.embedder = Embedder.from_settings(settings)
        return self.embedder

    def shared_evidence(self, suite: str) -> EvidenceScorer:
        """The evidence scorer over the course database, one per run (it caches word rarities)."""
        if self.evidence is None:
            database = self.require_database(suite)
            embedder = self.shared_embedder()
            self.evidence = EvidenceScorer(database, embedder, rag_settings=self.rag_settings)
        return self.evidence

    async def course_id(self, book: str) -> uuid.UUID:
        found = await self.course_of(book) if self.course_of else None
        if found is None:
            raise LookupError(
                f"the book {book!r} is not imported: wc import openstax {self.books_dir / book}"
            )
        return found


Scorer = Callable[[SuiteContext, Sequence[Any]], Awaitable[list[Example]]]


@dataclass(frozen=True)
class Suite:
    """``load(books_dir, limit, seed)`` draws the dataset's sample; ``score`` asks and scores it;
    ``questions(books_dir)`` is every question the suite can ask (kept out of training data)."""

    name: str
    version: str
    description: str
    thresholds: Thresholds
    load: Callable[[Path, int | None, int], Sequence[Any]]
    score: Scorer
    questions: Callable[[Path], list[str]]
    needs_llm: bool = True
    # Scores log-probabilities only (nothing generated): a model URI may be read in process.
    likelihood_only: bool = False
