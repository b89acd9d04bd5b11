"""The runner's storage rules on a real database: tenant limits, leases, one result per topic."""

import asyncio
import uuid

from sqlalchemy import func, select

from agents.content.checks import Check, Verdict
from agents.content.schemas import ChoiceOption, MultipleChoiceItem, Objective
from core.curriculum.models import AssessmentItemVersion, Lesson
from core.infra.database import Database
from graphs.content_gen.state import GeneratedItem, TopicResult, TopicStatus
from platform_api.auth.models import Role
from platform_api.auth.tokens import AccessClaims
from platform_api.content import store
from platform_api.content.models import ContentTopic
from platform_api.content.models import TopicStatus as StoredStatus
from platform_api.content.schemas import JobOptions
from platform_api.content.service import submit_job
from platform_api.content.topics_input import ParsedTopics, TopicRow
from tests.rag.factories import make_course


async def submit(database: Database, course_id: uuid.UUID, topics: int) -> uuid.UUID:
    rows = [TopicRow(row=n, topic=f"Topic {n}") for n in range(1, topics + 1)]
    async with database.session() as session:
        actor = AccessClaims(user_id=await _user(database), role=Role.ADMIN, expires_at=0)
        job = await submit_job(
            session,
            actor,
            course_id,
            ParsedTopics(rows=rows, errors=[]),
            JobOptions(),
            model_name="test-model",
            max_topics=100,
        )
    return job.id


async def _user(database: Database) -> uuid.UUID:
    from platform_api.auth.admin import create_or_promote_admin

    async with database.session() as session:
        email = f"admin-{uuid.uuid4().hex[:8]}@example.org"
        return await create_or_promote_admin(session, email, "Admin", "x" * 12)


def a_result() -> TopicResult:
    item = MultipleChoiceItem(
        stem="What is 2 + 2?",
        options=[ChoiceOption(text=t, rationale="sums") for t in ("4", "3", "5", "22")],
        key=0,
    )
    verdict = Verdict(check=Check.ANSWERABLE, passed=True, reason="stated")
    return TopicResult(
        status=TopicStatus.DONE,
        objectives=[Objective(text="Add small numbers", bloom_level="apply")],
        lesson_markdown="## Adding\n\nTwo and two make four.",
        sources=[],
        items=[GeneratedItem(objective=0, kind="multiple_choice", item=item, verdicts=[verdict])],
        lesson_verdicts=[verdict],
        failures=[],
        first_pass_checks=2,
        first_pass_passed=2,
        llm_seconds=1.0,
        llm_calls=4,
    )


async def test_one_tenant_runs_at_most_its_limit_across_jobs(database: Database) -> None:
    async with database.session() as session:
        course = await make_course(session, "Arithmetic", [])
        other = await make_course(session, "Geometry", [])
    course_of = {
        await submit(database, course.course_id, 3): course.course_id,
        await submit(database, course.course_id, 3): course.course_id,
        await submit(database, other.course_id, 2): other.course_id,
    }
    claims = await store.claim_topics(database, 10, 60, tenant_max_running=2)
    per_course: dict[uuid.UUID, int] = {}
    for claim in claims:
        per_course[course_of[claim.job_id]] = per_course.get(course_of[claim.job_id], 0) + 1
    assert per_course == {course.course_id: 2, other.course_id: 2}
    assert await store.claim_topics(database, 10, 60, tenant_max_running=2) == []


async def test_a_result_is_stored_once_and_only_under_its_lease(database: Database) -> None:
    async with database.session() as session:
        course = await make_course(session, "Arithmetic", [])
    assert not await store.has_claimable(database)  # an idle runner starts no Ray
    job_id = await submit(database, course.course_id, 1)
    assert await store.has_claimable(database)
    (first,) = await store.claim_topics(database, 1, lease_seconds=0.2, tenant_max_running=9)
    await asyncio.sleep(0.3)  # the lease runs out: the topic may be claimed again
    (second,) = await store.claim_topics(database, 1, lease_seconds=60, tenant_max_running=9)
    assert second.topic_id == first.topic_id and second.lease_token != first.lease_token
    assert not await store.store_result(database, first, a_result(), 1.0)  # the old claim
    assert await store.store_result(database, second, a_result(), 1.0)
    assert not await store.store_result(database, second, a_result(), 1.0)  # stored already
    async with database.session() as session:
        lessons = await session.scalar(select(func.count()).select_from(Lesson))
        versions = list(await session.scalars(select(AssessmentItemVersion)))
        topic = await session.get(ContentTopic, first.topic_id)
    assert lessons == 1 and topic is not None and topic.status is StoredStatus.DONE
    assert [(v.author_kind, v.model_name) for v in versions] == [("model", "test-model")]
    assert await store.finish_jobs(database) == [job_id]
    assert await store.finish_jobs(database) == []  # closed once, one event


async def test_a_worker_dying_queues_its_topic_again_until_the_third_time(
    database: Database,
) -> None:
    async with database.session() as session:
        course = await make_course(session, "Arithmetic", [])
    await submit(database, course.course_id, 1)
    for _ in range(store.MAX_CLAIMS - 1):
        (claim,) = await store.claim_topics(database, 1, 60, tenant_max_running=9)
        await store.release(database, claim, "its worker died")
    (claim,) = await store.claim_topics(database, 1, 60, tenant_max_running=9)
    await store.release(database, claim, "the LLM is down", count_attempt=False)
    (claim,) = await store.claim_topics(database, 1, 60, tenant_max_running=9)
    await store.release(database, claim, "its worker died")
    async with database.session() as session:
        topic = await session.get(ContentTopic, claim.topic_id)
    assert topic is not None and topic.status is StoredStatus.FAILED
    assert topic.error == "its worker died (3 times)"
