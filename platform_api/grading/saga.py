"""The grading saga: bus consumers from a submitted sitting to its published grade.

    assessment.sitting_submitted ──(grading.sitting_submitted)──> rule grades at once
        └─ one grading.answer_requested per other answer ──(grading.answer)──> LLM rubric grade
    every step ends with ``settle_sitting``: when the last answer is graded, the sitting's
    grade is aggregated and ``assessment.graded`` published, once.

Exactly once per answer: each consumer is ``idempotent`` (the event id is marked in the same
transaction as the grade) and the write also checks, under the row locks, that the response has
no grade yet (``graded_at`` is null), so a second event for the same answer (a re-submitted
sitting, a replayed outbox row) grades nothing; an answer changed in a reopened sitting lost its
grade when it changed (``assessments.sittings.save_answer``) and is graded again, as the next
revision. The LLM call runs outside any transaction; a
killed consumer loses only that call. A dead LLM raises, and the bus retries with back-off; a
step failing ``max_attempts`` times dead-letters and marks its answer (or sitting)
``grading_delayed`` first, so nothing is left as a silent zero.
"""

import logging
import uuid
from collections.abc import Awaitable, Callable

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from agents.grader.schemas import GradeResult
from agents.grader.settings import GradingSettings
from core.curriculum.models import AssessmentItem, ItemKind
from core.infra.bus import Event, EventHandler
from core.infra.database import Database, utcnow
from core.infra.outbox import MAX_ERROR_LENGTH, add_event, idempotent
from graphs.grading.graph import GradingDeps, build_graph, grade_answer
from platform_api.assessments.events import SITTING_SUBMITTED, SittingSubmitted
from platform_api.assessments.item_spec import ItemSpec
from platform_api.assessments.models import (
    ExamSitting,
    GradeSource,
    GradingStatus,
    Response,
    SittingStatus,
)
from platform_api.grading import rules
from platform_api.grading.grades import (
    Grade,
    lock_response,
    lock_sitting,
    settle_sitting,
    write_grade,
)
from platform_api.grading.items import grading_input, load_item_version
from platform_api.grading.models import GradingFailure
from platform_api.wiring import Stores
from rag.embeddings import Embedder
from rag.evidence import EvidenceScorer

logger = logging.getLogger(__name__)

ANSWER_GRADING_REQUESTED = "grading.answer_requested"
SUBMITTED_CONSUMER = "grading.sitting_submitted"
ANSWER_CONSUMER = "grading.answer"


class AnswerGradingRequested(BaseModel):
    """Internal to the saga: one answer waits for its own grading step."""

    schema_version: int = 1
    response_id: uuid.UUID
    sitting_id: uuid.UUID


def rule_grade(item: ItemSpec, response: Response) -> Grade:
    if item.kind is ItemKind.MULTIPLE_CHOICE:
        graded = rules.grade_multiple_choice(response.answer, item.answer_key, response.max_points)
    else:
        graded = rules.grade_numeric(response.answer, item, response.max_points)
    return Grade(
        source=GradeSource.RULE,
        points=graded.points,
        correct=graded.correct,
        status=GradingStatus.NEEDS_REVIEW if graded.needs_review else GradingStatus.GRADED,
        justification=graded.justification,
        confidence=0.0 if graded.needs_review else 1.0,
    )


def llm_grade(result: GradeResult, model_name: str, threshold: float) -> Grade:
    """The grade as stored: a teacher's to review when its confidence is low or it disagrees
    with the course's material (the reason is appended to the justification the teacher reads)."""
    confident = result.confidence >= threshold and result.disagreement is None
    justification = result.justification
    if result.disagreement:
        justification = f"{justification}; for the teacher: {result.disagreement}"
    return Grade(
        source=GradeSource.LLM,
        points=result.points,
        status=GradingStatus.GRADED if confident else GradingStatus.NEEDS_REVIEW,
        justification=justification,
        rubric_scores=[line.model_dump() for line in result.rubric_scores],
        confidence=result.confidence,
        model_name=model_name,
    )


class GradingSaga:
    def __init__(
        self,
        database: Database,
        grade_with_llm: Callable[[ItemSpec, Response, uuid.UUID | None], Awaitable[GradeResult]],
        settings: GradingSettings,
        model_name: str,
    ) -> None:
        self._database = database
        self._grade_with_llm = grade_with_llm
        self._settings = settings
        self._model_name = model_name

    async def on_submitted(self, session: AsyncSession, event: Event) -> None:
        """Rule grades now; every other answer gets its own step (one poisoned answer then
        blocks only itself)."""
        submitted = SittingSubmitted.model_validate(event.payload)
        sitting = await lock_sitting(session, submitted.sitting_id)
        if sitting is None:
            logger.warning("Submitted sitting %s is gone; nothing to grade", submitted.sitting_id)
            return
        pending = await session.scalars(
            select(Response)
            .where(Response.sitting_id == sitting.id, Response.graded_at.is_(None))
            .order_by(Response.first_answered_at)
            .with_for_update()
        )
        for response in pending:
            try:
                item = await load_item_version(session, response.item_id, response.item_version)
            except LookupError:
                item = None  # its own step fails, retries and dead-letters, alone
            if item is not None and item.graded_by_rule:
                await write_grade(session, sitting, response, rule_grade(item, response))
            else:
                request = AnswerGradingRequested(response_id=response.id, sitting_id=sitting.id)
                add_event(session, ANSWER_GRADING_REQUESTED, request.model_dump(mode="json"))
        await settle_sitting(session, sitting)

    async def grade_answer(self, event: Event) -> None:
        """The LLM (or a rule) grades outside a transaction; the write is idempotent. An event
        with nothing left to grade is still marked processed, so its handling is visible."""
        request = AnswerGradingRequested.model_validate(event.payload)
        grade = await self._prepare(request)

        async def write(session: AsyncSession, _: Event) -> None:
            if grade is not None:
                await self._write_answer_grade(session, request, grade)

        await idempotent(self._database, ANSWER_CONSUMER, write)(event)

    async def _prepare(self, request: AnswerGradingRequested) -> Grade | None:
        async with self._database.session() as session:
            response = await session.get(Response, request.response_id)
            if response is None or response.graded_at is not None:
                return None  # gone, or graded by an earlier delivery or a teacher
            item = await load_item_version(session, response.item_id, response.item_version)
            course_id = await session.scalar(
                select(AssessmentItem.course_id).where(AssessmentItem.id == response.item_id)
            )
            session.expunge(response)
        if item.graded_by_rule:
            return rule_grade(item, response)
        result = await self._grade_with_llm(item, response, course_id)
        return llm_grade(result, self._model_name, self._settings.confidence_threshold)

    async def _write_answer_grade(
        self, session: AsyncSession, request: AnswerGradingRequested, grade: Grade
    ) -> None:
        sitting = await lock_sitting(session, request.sitting_id)
        response = await lock_response(session, request.response_id)
        if sitting is None or response is None or response.graded_at is not None:
            return
        await write_grade(session, sitting, response, grade)
        await settle_sitting(session, sitting)

    async def mark_answer_delayed(self, event: Event) -> None:
        request = AnswerGradingRequested.model_validate(event.payload)
        async with self._database.session() as session, session.begin():
            sitting = await lock_sitting(session, request.sitting_id)
            response = await lock_response(session, request.response_id)
            if sitting is None or response is None or response.graded_at is not None:
                return
            response.grading_status = GradingStatus.DELAYED
            await settle_sitting(session, sitting)

    async def mark_sitting_delayed(self, event: Event) -> None:
        submitted = SittingSubmitted.model_validate(event.payload)
        async with self._database.session() as session, session.begin():
            sitting = await session.get(ExamSitting, submitted.sitting_id, with_for_update=True)
            if sitting is not None and sitting.status is not SittingStatus.GRADED:
                sitting.status = SittingStatus.GRADING_DELAYED


async def count_failure(database: Database, consumer: str, event: Event, error: Exception) -> int:
    """Add one failed attempt, committed on its own; return the attempts so far."""
    message = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
    statement = (
        insert(GradingFailure)
        .values(
            consumer=consumer,
            event_id=event.id,
            attempts=1,
            last_error=message,
            updated_at=utcnow(),
        )
        .on_conflict_do_update(
            index_elements=["consumer", "event_id"],
            set_={
                "attempts": GradingFailure.attempts + 1,
                "last_error": message,
                "updated_at": utcnow(),
            },
        )
        .returning(GradingFailure.attempts)
    )
    async with database.session() as session, session.begin():
        return int((await session.execute(statement)).scalar_one())


def counting_failures(
    database: Database,
    consumer: str,
    max_attempts: int,
    handler: EventHandler,
    on_last_failure: Callable[[Event], Awaitable[None]],
) -> EventHandler:
    """``handler``, which on its last allowed failure first marks its work as delayed.

    The bus dead-letters an event after ``max_attempts`` failed deliveries; the handler cannot
    see the bus's count, so it keeps its own (a killed process fails no attempt in either).
    """

    async def handle(event: Event) -> None:
        try:
            await handler(event)
        except Exception as error:
            attempts = await count_failure(database, consumer, event, error)
            if attempts >= max_attempts:
                logger.error(
                    "Grading step %s failed event %s %d times; it dead-letters and its sitting "
                    "shows grading_delayed. Last error: %s",
                    consumer,
                    event.id,
                    attempts,
                    error,
                )
                await on_last_failure(event)
            raise

    return handle


async def subscribe_grading(stores: Stores, embedder: Embedder) -> GradingSaga:
    """Register the saga's consumers on the bus (called once per process at start-up)."""
    settings = GradingSettings()
    course_evidence = None
    if settings.course_evidence:
        course_evidence = EvidenceScorer(stores.database, embedder)
    graph = build_graph(GradingDeps(stores.llm, embedder, settings, course_evidence))

    async def with_llm(
        item: ItemSpec, response: Response, course_id: uuid.UUID | None
    ) -> GradeResult:
        grading = grading_input(item, response.answer, response.max_points, course_id)
        return await grade_answer(graph, grading)

    saga = GradingSaga(stores.database, with_llm, settings, stores.llm.model)
    database, attempts = stores.database, settings.max_attempts
    on_submitted = idempotent(database, SUBMITTED_CONSUMER, saga.on_submitted)
    handlers: list[tuple[str, str, EventHandler, Callable[[Event], Awaitable[None]]]] = [
        (SUBMITTED_CONSUMER, SITTING_SUBMITTED, on_submitted, saga.mark_sitting_delayed),
        (ANSWER_CONSUMER, ANSWER_GRADING_REQUESTED, saga.grade_answer, saga.mark_answer_delayed),
    ]
    for consumer, event_type, handler, on_last in handlers:
        await stores.bus.subscribe(
            consumer,
            [event_type],
            counting_failures(database, consumer, attempts, handler, on_last),
            max_attempts=attempts,
        )
    return saga
