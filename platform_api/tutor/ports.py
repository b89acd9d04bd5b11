"""The platform's side of the tutor graph's ports: learner context, scoped retrieval, evidence,
exercise keys, and flags that reach the learner's teachers and parents."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from agents.tutor.policy import TutorMode
from core.curriculum.models import AssessmentItem, Course
from core.curriculum.question_words import question_words, stored_question_words
from core.errors import NotFound
from core.infra.database import Database
from graphs.tutor_chat.ports import CourseEvidence, ExerciseKey, FlagReport, LearnerContext
from platform_api.assessments.service import exam_in_progress
from platform_api.auth.models import User
from platform_api.auth.service import is_under_age
from platform_api.mastery.weakness import weak_objectives
from platform_api.notifications.service import notify_guardians
from platform_api.tutor.models import TutorFlag, TutorPolicy
from rag import retrieve
from rag.embeddings import Embedder
from rag.evidence import EvidenceScorer
from rag.retrieve import QueryVector
from rag.settings import RagSettings

FLAG_KIND = "tutor.flagged_turn"
FLAG_TITLES = {
    "self_harm": "A learner may need support (self-harm)",
    "abuse": "A learner may need support (abuse)",
    "personal_data": "A learner shared personal details with the tutor",
}
# Weak objectives named in the prompt: the bundled model reads 2,048 tokens, most of them sources.
WEAK_OBJECTIVES_IN_CONTEXT = 3
# Exercises asking the same question whose answers are kept too (the statistics book asks
# "What is the p-value?" 14 times).
SAME_QUESTION_LIMIT = 50


class PlatformTutorPorts(CourseEvidence):
    def __init__(
        self,
        database: Database,
        embedder: Embedder,
        rag_settings: RagSettings,
        coppa_minimum_age: int,
    ) -> None:
        self.database = database
        self.embedder = embedder
        self.rag_settings = rag_settings
        self.coppa_minimum_age = coppa_minimum_age
        self.evidence = EvidenceScorer(database, embedder, rag_settings=rag_settings)

    async def learner_context(self, learner_id: uuid.UUID, course_id: uuid.UUID) -> LearnerContext:
        async with self.database.session() as session:
            course = await session.get(Course, course_id)
            learner = await session.get(User, learner_id)
            if course is None or learner is None:
                raise NotFound("No such course.")
            return LearnerContext(
                learner_id=learner_id,
                course_id=course_id,
                course_title=course.title,
                mode=await course_mode(session, course_id),
                minor=is_under_age(learner.birth_date, self.coppa_minimum_age),
                exam_in_progress=await exam_in_progress(session, learner_id, course_id),
                weak_objectives=[
                    weak.text
                    for weak in await weak_objectives(
                        session, learner_id, course_id, WEAK_OBJECTIVES_IN_CONTEXT
                    )
                ],
            )

    async def retrieve(
        self,
        query: str,
        course_id: uuid.UUID,
        k: int,
        kinds: Sequence[str] | None = None,
        vector: QueryVector | None = None,
    ) -> list[retrieve.Hit]:
        return await retrieve.search(
            self.database,
            query,
            [course_id],
            k,
            kinds=kinds,
            embedder=self.embedder,
            settings=self.rag_settings,
            query_vector=vector,
        )

    async def embed_query(self, query: str) -> QueryVector | None:
        return await retrieve.embed_query(self.database, query, self.embedder, self.rag_settings)

    async def exercise(self, item_id: uuid.UUID) -> ExerciseKey | None:
        async with self.database.session() as session:
            item = await session.get(AssessmentItem, item_id)
        return None if item is None else _exercise_key(item)

    async def exercises_asking(self, course_id: uuid.UUID, question: str) -> list[ExerciseKey]:
        words = question_words(question)
        if not words:
            return []
        async with self.database.session() as session:
            items = await session.scalars(
                select(AssessmentItem)
                .where(
                    AssessmentItem.course_id == course_id,
                    stored_question_words(AssessmentItem.prompt) == words,
                )
                .order_by(AssessmentItem.id)
                .limit(SAME_QUESTION_LIMIT)
            )
            return [_exercise_key(item) for item in items]

    async def flag(self, report: FlagReport) -> None:
        """Record the flag and tell the adults, once per turn, in one transaction."""
        async with self.database.session() as session, session.begin():
            inserted = await session.scalar(
                insert(TutorFlag)
                .values(
                    id=uuid.uuid4(),
                    turn_id=report.turn_id,
                    session_id=report.session_id,
                    learner_id=report.learner_id,
                    course_id=report.course_id,
                    category=report.category,
                )
                .on_conflict_do_nothing(index_elements=[TutorFlag.turn_id])
                .returning(TutorFlag.id)
            )
            if inserted is None:
                return
            await notify_guardians(
                session,
                report.learner_id,
                report.course_id,
                self.coppa_minimum_age,
                kind=FLAG_KIND,
                title=FLAG_TITLES[report.category.value],
                body=(
                    "The tutor refused a message from a learner you look after and flagged it "
                    "for an adult to follow up. Please check in with them."
                ),
                payload={
                    "flag_id": str(inserted),
                    "session_id": str(report.session_id),
                    "turn_id": str(report.turn_id),
                    "course_id": str(report.course_id),
                    "category": report.category.value,
                },
            )


def _exercise_key(item: AssessmentItem) -> ExerciseKey:
    return ExerciseKey(
        item_id=item.id,
        prompt=item.prompt,
        answer=item.answer,
        solution=item.solution,
        options=list(item.options or []),
        lesson_id=item.lesson_id,
    )


async def course_mode(session: AsyncSession, course_id: uuid.UUID) -> TutorMode:
    policy = await session.get(TutorPolicy, course_id)
    return policy.mode if policy else TutorMode.SOCRATIC
