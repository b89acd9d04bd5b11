"""What the tutor graph needs from the platform, as an interface: no SQL or HTTP in the graph."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel

from agents.tutor.moderation import SafetyCategory
from agents.tutor.policy import TutorMode
from agents.tutor.settings import TutorSettings
from rag.evidence import ClaimCheck, EvidenceScorer, Ranking
from rag.retrieve import Hit, QueryVector
from serving.client import LLMClient


class LearnerContext(BaseModel):
    """Who is asking, in which course, under which policy."""

    learner_id: uuid.UUID
    course_id: uuid.UUID
    course_title: str
    mode: TutorMode
    minor: bool
    exam_in_progress: bool
    lessons_completed: int | None = None  # None until progress tracking exists
    # Objectives of this course the learner answered but has not mastered, least known first.
    weak_objectives: list[str] = []


class ExerciseKey(BaseModel):
    """A stored exercise with the key and worked solution the tutor must not give away."""

    item_id: uuid.UUID
    prompt: str
    answer: str | None  # a multiple-choice item's key is the letter of one of its options
    solution: str
    options: list[dict[str, str]] = []  # {"label", "text"} of a multiple-choice item
    lesson_id: uuid.UUID | None = None  # the lesson the exercise belongs to


class FlagReport(BaseModel):
    """An unsafe turn, for the learner's teachers (and parents of under-13 learners)."""

    session_id: uuid.UUID
    turn_id: uuid.UUID
    learner_id: uuid.UUID
    course_id: uuid.UUID
    category: SafetyCategory


class TutorPorts(Protocol):
    async def learner_context(
        self, learner_id: uuid.UUID, course_id: uuid.UUID
    ) -> LearnerContext: ...

    async def retrieve(
        self,
        query: str,
        course_id: uuid.UUID,
        k: int,
        kinds: Sequence[str] | None = None,
        vector: QueryVector | None = None,
    ) -> list[Hit]:
        """The course's k best passages; ``vector``: the query's own from ``embed_query``
        (without it, or when it was made for an index no longer active, it is embedded)."""
        ...

    async def embed_query(self, query: str) -> QueryVector | None:
        """The query's search vector, made once per turn while the turn's other reads run and
        handed to each ``retrieve`` of that query (None: nothing to search yet)."""
        ...

    async def exercise(self, item_id: uuid.UUID) -> ExerciseKey | None: ...

    async def exercises_asking(self, course_id: uuid.UUID, question: str) -> list[ExerciseKey]:
        """The course's stored exercises whose question is word for word ``question`` (case,
        punctuation and markup aside)."""
        ...

    async def weigh_options(
        self, question: str, options: Sequence[str], course_id: uuid.UUID
    ) -> Ranking:
        """The options of a multiple-choice question ranked by the course's evidence."""
        ...

    async def check_claims(
        self, question: str, claims: Sequence[str], course_id: uuid.UUID
    ) -> ClaimCheck:
        """How well the course's passages support the claims of an answer."""
        ...

    async def flag(self, report: FlagReport) -> None: ...


class CourseEvidence:
    """The evidence ports, answered by an ``EvidenceScorer`` over the one course asked about:
    mixed into the platform's and the evals' ports, which set ``evidence``."""

    evidence: EvidenceScorer

    async def weigh_options(
        self, question: str, options: Sequence[str], course_id: uuid.UUID
    ) -> Ranking:
        return await self.evidence.rank(question, options, [course_id])

    async def check_claims(
        self, question: str, claims: Sequence[str], course_id: uuid.UUID
    ) -> ClaimCheck:
        return await self.evidence.check_claims(question, claims, [course_id])


@dataclass(frozen=True)
class TutorDeps:
    ports: TutorPorts
    llm: LLMClient
    settings: TutorSettings
