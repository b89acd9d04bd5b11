"""The tutor as served, asked one question outside any conversation, for the suites: the same
graph (classification, retrieval, policy, leak check) with ports that read the course through
``rag`` and know no learner.

Retrieval shows the tutor lesson text only: the eval books' exercises are indexed with their
worked solutions, and an eval question must be answered from the lessons, not from its own key.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from agents.tutor.citations import Citation
from agents.tutor.policy import TutorMode
from evals.suite import SuiteContext
from graphs.tutor_chat.oneshot import answer_once
from graphs.tutor_chat.ports import CourseEvidence, ExerciseKey, FlagReport, LearnerContext
from rag.embeddings import Embedder
from rag.evidence import Ranking
from rag.retrieve import Hit, QueryVector, embed_query, search
from serving.client import LLMClient

LESSON_TEXT = ("text",)


@dataclass(frozen=True)
class TutorReply:
    answer: str
    citations: list[Citation]
    sources: list[Hit]
    intent: str
    refused: bool


class EvalTutorPorts(CourseEvidence):
    """Ports for a question asked by nobody, in one mode, over lesson text."""

    def __init__(self, context: SuiteContext, embedder: Embedder, mode: TutorMode) -> None:
        self.context = context
        self.embedder = embedder
        self.mode = mode
        self.retrieved: list[Hit] = []
        self.evidence = context.shared_evidence("tutor")

    async def learner_context(self, learner_id: uuid.UUID, course_id: uuid.UUID) -> LearnerContext:
        return LearnerContext(
            learner_id=learner_id,
            course_id=course_id,
            course_title="",
            mode=self.mode,
            minor=False,
            exam_in_progress=False,
        )

    async def retrieve(
        self,
        query: str,
        course_id: uuid.UUID,
        k: int,
        kinds: Sequence[str] | None = None,
        vector: QueryVector | None = None,
    ) -> list[Hit]:
        if kinds and not set(kinds) & set(LESSON_TEXT):
            return []  # exercise look-ups: the eval questions are not stored exercises here
        hits = await search(
            self.context.require_database("tutor"),
            query,
            [course_id],
            k,
            kinds=LESSON_TEXT,
            embedder=self.embedder,
            settings=self.context.rag_settings,
            query_vector=vector,
        )
        self.retrieved.extend(hits)
        return hits

    async def embed_query(self, query: str) -> QueryVector | None:
        database = self.context.require_database("tutor")
        return await embed_query(database, query, self.embedder, self.context.rag_settings)

    async def weigh_options(
        self, question: str, options: Sequence[str], course_id: uuid.UUID
    ) -> Ranking:
        """The evidence's ranking; its passages count as retrieved (the tutor may cite them)."""
        ranking = await super().weigh_options(question, options, course_id)
        self.retrieved.extend(s.passage for s in ranking.supports if s.passage is not None)
        return ranking

    async def exercise(self, item_id: uuid.UUID) -> ExerciseKey | None:
        return None

    async def exercises_asking(self, course_id: uuid.UUID, question: str) -> list[ExerciseKey]:
        return []

    async def flag(self, report: FlagReport) -> None:
        """Nobody to look after: the refusal itself is what the suites score."""


async def ask_tutor(
    context: SuiteContext,
    llm: LLMClient,
    question: str,
    course_id: uuid.UUID,
    mode: TutorMode = TutorMode.EXPLAIN,
) -> TutorReply:
    ports = EvalTutorPorts(context, context.shared_embedder(), mode)
    values = await answer_once(ports, llm, course_id, question)
    return TutorReply(
        answer=values["answer"],
        citations=[Citation.model_validate(c) for c in values["citations"]],
        sources=ports.retrieved,
        intent=values.get("intent", ""),
        refused=values["refused"],
    )
