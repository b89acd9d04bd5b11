"""Captured use for the dataset pipeline's tests: tutor turns and feedback through the analytics
capture (the consumer the API runs), and generated items stored and approved as the content
runner and a reviewer leave them."""

import uuid
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import text

from agents.content.checks import Check, Verdict
from agents.content.schemas import ChoiceOption, MultipleChoiceItem, NumericItem, Objective
from core.infra.analytics.chdb import ChdbAnalytics
from core.infra.bus.base import Event
from core.infra.bus.inprocess import InProcessBus
from core.infra.database import Database
from graphs.content_gen.state import GeneratedItem, TopicResult, TopicStatus
from platform_api.analytics.capture import (
    TUTOR_FEEDBACK_GIVEN,
    TUTOR_TURN_COMPLETED,
    FeedbackGiven,
    TurnCompleted,
    subscribe_capture,
)
from platform_api.auth.admin import create_or_promote_admin
from platform_api.auth.models import Role
from platform_api.auth.tokens import AccessClaims
from platform_api.content import store
from platform_api.content.schemas import JobOptions
from platform_api.content.service import submit_job
from platform_api.content.topics_input import ParsedTopics, TopicRow
from tests.analytics.factories import make_feedback
from tests.infra.bus_support import eventually


async def capture(
    path: Path,
    turns: Sequence[TurnCompleted],
    feedback: Sequence[FeedbackGiven],
    redelivered: Sequence[TurnCompleted] = (),
    raw_turns: Sequence[dict[str, object]] = (),
) -> None:
    """Publish the turns (``redelivered`` ones twice) and the feedback to the capture consumer,
    insert ``raw_turns`` as rows written before the capture scrubbed text, and wait until every
    event is in the chDB store at ``path``; the store is closed again (one process, one path)."""
    analytics = ChdbAnalytics(path)
    await analytics.ensure_schema()
    bus = InProcessBus(retry_base_seconds=0.01)
    await subscribe_capture(bus, analytics)
    try:
        for turn in [*turns, *redelivered]:
            payload = turn.model_dump(mode="json")
            await bus.publish(Event(type=TUTOR_TURN_COMPLETED, payload=payload))
        for given in feedback:
            payload = given.model_dump(mode="json")
            await bus.publish(Event(type=TUTOR_FEEDBACK_GIVEN, payload=payload))
        await analytics.insert("tutor_turns", list(raw_turns))
        expected = {
            "tutor_turns": len(turns) + len(redelivered) + len(raw_turns),
            "tutor_feedback": len(feedback),
        }

        async def stored() -> bool:
            for table, count in expected.items():
                [row] = await analytics.query(f"SELECT count() AS n FROM {table}")
                if row["n"] < count:
                    return False
            return True

        await eventually(stored, within_seconds=20)
    finally:
        await bus.close()
        await analytics.close()


def liked(turn: TurnCompleted) -> FeedbackGiven:
    return make_feedback(turn, rating="up", comment="")


def disliked(turn: TurnCompleted) -> FeedbackGiven:
    return make_feedback(turn, rating="down", comment="")


async def approved_and_pending_items(database: Database, course_id: uuid.UUID) -> None:
    """Two topics generated for the course, as the runner stores them; the first approved by a
    reviewer (its lesson's items are the approved ones), the second still pending."""
    async with database.session() as session:
        admin = await create_or_promote_admin(
            session, f"reviewer-{uuid.uuid4().hex[:8]}@example.org", "Reviewer", "x" * 12
        )
        actor = AccessClaims(user_id=admin, role=Role.ADMIN, expires_at=0)
        rows = [TopicRow(row=1, topic="The cell nucleus"), TopicRow(row=2, topic="Ribosomes")]
        job = await submit_job(
            session,
            actor,
            course_id,
            ParsedTopics(rows=rows, errors=[]),
            JobOptions(),
            model_name="test-model",
            max_topics=10,
        )
    # Claimed in row order: the first claim is the first topic.
    first, second = await store.claim_topics(database, 2, 60, tenant_max_running=9, job_id=job.id)
    assert await store.store_result(database, first, _result(APPROVED_ITEMS), 1.0)
    assert await store.store_result(database, second, _result(PENDING_ITEMS), 1.0)
    async with database.session() as session, session.begin():
        await session.execute(
            text("UPDATE content_topics SET review_status = 'approved' WHERE id = :id"),
            {"id": first.topic_id},
        )


APPROVED_ITEMS = [
    MultipleChoiceItem(
        stem="Which structure inside the nucleus assembles ribosomal subunits?",
        options=[
            ChoiceOption(text="The nucleolus", rationale="It builds ribosomal subunits from rRNA."),
            ChoiceOption(text="The nuclear pore", rationale="Pores only let molecules pass."),
            ChoiceOption(text="The nuclear envelope", rationale="It encloses the nucleus."),
            ChoiceOption(text="Chromatin", rationale="Chromatin is DNA with its proteins."),
        ],
        key=0,
    ),
    NumericItem(
        stem="A human somatic cell holds how many chromosomes?",
        answer=46,
        tolerance=0,
        unit="chromosomes",
        rubric="Twenty-three pairs: one set from each parent.",
    ),
]
PENDING_ITEMS = [
    MultipleChoiceItem(
        stem="Where are proteins made in the cell, according to the pending lesson?",
        options=[
            ChoiceOption(text="On ribosomes", rationale="Ribosomes translate mRNA."),
            ChoiceOption(text="In the nucleolus", rationale="It makes ribosomes, not proteins."),
            ChoiceOption(text="In lysosomes", rationale="Lysosomes digest."),
            ChoiceOption(text="In the Golgi", rationale="The Golgi packages proteins."),
        ],
        key=0,
    )
]


def _result(items: Sequence[MultipleChoiceItem | NumericItem]) -> TopicResult:
    verdict = Verdict(check=Check.ANSWERABLE, passed=True, reason="stated")
    return TopicResult(
        status=TopicStatus.DONE,
        objectives=[Objective(text="Describe the parts of the nucleus", bloom_level="understand")],
        lesson_markdown="## The nucleus\n\nThe nucleolus assembles ribosomal subunits.",
        sources=[],
        items=[
            GeneratedItem(objective=0, kind=item.kind, item=item, verdicts=[verdict])
            for item in items
        ],
        lesson_verdicts=[verdict],
        failures=[],
        first_pass_checks=1,
        first_pass_passed=1,
        llm_seconds=1.0,
        llm_calls=1,
    )
