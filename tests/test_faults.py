"""Faults under a mixed workload: the platform loses no accepted write and duplicates none, and it
answers again after each fault with nobody stepping in.

Two API processes share a private PostgreSQL and a private RabbitMQ (never the session's servers,
which other tests use). Learners sit homework (graded by the grading saga through the outbox and
the bus) and a learner talks to the tutor (turns captured through the outbox into analytics),
against whichever API answers, while the test injects one fault at a time:

1. RabbitMQ restarts (a clean stop and start of the same node),
2. PostgreSQL restarts (a fast shutdown: every connection is cut),
3. the LLM endpoint is cut (a proxy drops every connection and refuses new ones for a while),
4. one API process is killed with SIGKILL mid-work.

A client-side ledger keeps every write an API accepted (2xx); afterwards each one is present
exactly once: its outbox events published and consumed once per consumer, its grades and mastery
updates applied once, its captured turn stored once. See docs/operations.md, "Faults".
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from core.curriculum.models import Lesson
from core.infra.database import Database
from core.infra.outbox_models import OutboxEvent, ProcessedEvent
from platform_api.analytics.capture import TUTOR_TURN_COMPLETED
from platform_api.assessments.events import ANSWER_GRADED, ASSESSMENT_GRADED, SITTING_SUBMITTED
from platform_api.assessments.models import ExamSitting, Response, SittingStatus
from platform_api.auth.keys import SigningKey, load_or_create_signing_key
from platform_api.auth.models import Role, User
from platform_api.auth.tokens import issue_access_token
from platform_api.content.models import FINAL_TOPIC_STATUSES, ContentTopic, TopicStatus
from platform_api.grading.saga import SUBMITTED_CONSUMER
from platform_api.mastery.events import CONSUMER as MASTERY_CONSUMER
from platform_api.mastery.models import MasteryState
from platform_api.schema import upgrade_schema
from rag.ingest import ingest_course
from tests.assessments.factory import friction_lesson, mc_item
from tests.fixtures.faults import (
    ApiProcess,
    ContentRunnerProcess,
    PrivatePostgres,
    PrivateRabbitMq,
)
from tests.fixtures.llm import LlmServer
from tests.fixtures.postgres import database_url
from tests.fixtures.tcp_proxy import TcpProxy
from tests.rag.factories import LessonSpec, make_course

pytestmark = pytest.mark.slow

LEARNERS = 3
MC_ITEMS = 3
ASSIGNMENTS = 20
ATTEMPTS = 20  # per assignment: the learners never run out of work during the test
PACE_SECONDS = 2.0  # between a learner's sittings: load a 2-core machine, do not saturate it
RECOVERY_SECONDS = 90.0
LLM_OUTAGE_SECONDS = 6.0
CONTENT_SECONDS = 600.0  # a topic is several LLM calls: minutes on a loaded 2-core machine
CONTENT_TOPICS = [{"topic": "Friction", "objectives": ["Explain friction with an example"]}]
# How long the workload may take to accept new sittings and a tutor turn: a turn is a few LLM
# calls, seconds on a quiet machine, minutes on a loaded one sharing the LLM with content jobs.
PROGRESS_SECONDS = 600.0
TRANSIENT = (httpx.TransportError, httpx.TimeoutException)
FRICTION = LessonSpec(
    "Friction",
    "Friction is a force between two surfaces that opposes their sliding past each other. A ball "
    "rolling on grass slows down because friction from the grass acts against its motion.",
)


@dataclass
class Account:
    id: uuid.UUID
    email: str
    headers: dict[str, str]


@dataclass
class Ledger:
    """What the APIs accepted, as the clients saw it."""

    sittings: dict[str, uuid.UUID] = field(default_factory=dict)  # sitting id → learner id
    turns: list[str] = field(default_factory=list)
    # When each failed request (a 5xx, a broken connection, a turn without ``done``) was sent.
    failures: list[float] = field(default_factory=list)

    def failed_since(self, moment: float) -> list[float]:
        return [sent for sent in self.failures if sent >= moment]


@dataclass
class Platform:
    postgres: PrivatePostgres
    rabbitmq: PrivateRabbitMq
    database_url: str
    signing_key: SigningKey
    key_file: Path
    folder: Path


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    folder = tmp_path_factory.mktemp("faults")
    postgres = PrivatePostgres.start(folder / "postgres")
    rabbitmq = PrivateRabbitMq(folder / "rabbitmq")
    rabbitmq.folder.mkdir()
    try:
        rabbitmq.start()
        url = database_url(postgres.server_url, "postgres")
        upgrade_schema(url)
        signing_key = load_or_create_signing_key(None, folder, file_name="jwt.pem")
        key_file = folder / "keys" / "jwt.pem"  # where that call wrote it
        yield Platform(postgres, rabbitmq, url, signing_key, key_file, folder)
    finally:
        rabbitmq.stop()
        postgres.stop()


class Clients:
    """HTTP to whichever API answers: a refused or broken connection moves on to the next one."""

    def __init__(self, apis: list[ApiProcess]) -> None:
        self.apis = apis
        self.http = {api.name: httpx.AsyncClient(base_url=api.base_url, timeout=60) for api in apis}
        self._next = 0

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        for _ in range(len(self.apis)):
            api = self.apis[self._next % len(self.apis)]
            self._next += 1
            try:
                return await self.http[api.name].request(method, path, **kwargs)
            except TRANSIENT:
                continue
        return None

    async def close(self) -> None:
        for client in self.http.values():
            await client.aclose()


def accepted(response: httpx.Response | None, *statuses: int) -> bool:
    return response is not None and response.status_code in statuses


async def user(platform: Platform, role: str) -> Account:
    """An account made at the service level (sign-in is tested in tests/auth)."""
    account = User(
        id=uuid.uuid4(),
        email=f"{role}-{uuid.uuid4().hex[:10]}@example.org",
        display_name=f"A {role}",
        role=Role(role),
    )
    database = Database(platform.database_url, pool_size=1)
    try:
        async with database.session() as session:
            session.add(account)
            await session.commit()
    finally:
        await database.close()
    token = issue_access_token(
        platform.signing_key, "water-classroom", account.id, account.role, 3600
    )
    return Account(account.id, account.email, {"Authorization": f"Bearer {token}"})


async def created(clients: Clients, account: Account, path: str, body: dict[str, Any]) -> Any:
    response = await clients.request("POST", path, headers=account.headers, json=body)
    assert response is not None and response.status_code == 201, response and response.text
    return response.json()


@dataclass
class School:
    teacher: Account
    learners: list[Account]
    tutee: Account
    course_id: str
    item_ids: list[str]
    assignment_ids: list[str]


async def school(clients: Clients, platform: Platform) -> School:
    """A teacher's course (one lesson, multiple-choice items), a class of learners and homework."""
    teacher = await user(platform, "teacher")
    course_id, lesson_id = await friction_lesson(partial(created, clients, teacher))
    items = [
        (await created(clients, teacher, "/api/v1/items", mc_item(lesson_id, f"Q{n}?")))["id"]
        for n in range(MC_ITEMS)
    ]
    room = await created(clients, teacher, "/api/v1/classes", {"name": "7B"})
    learners = [await user(platform, "student") for _ in range(LEARNERS)]
    tutee = await user(platform, "student")
    tutor_course = await ingested_course(platform)
    await clients.request(
        "POST",
        f"/api/v1/classes/{room['id']}/courses",
        headers=teacher.headers,
        json={"course_id": course_id},
    )
    for learner in [*learners, tutee]:
        enrolled = await clients.request(
            "POST",
            f"/api/v1/classes/{room['id']}/students",
            headers=teacher.headers,
            json={"student_email": learner.email},
        )
        assert accepted(enrolled, 200), enrolled and enrolled.text
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    assignments = [
        await created(
            clients,
            teacher,
            "/api/v1/assignments",
            {
                "class_id": room["id"],
                "title": f"Homework {n}",
                "kind": "homework",
                "item_ids": items,
                "due_at": due,
                "attempts_allowed": ATTEMPTS,
            },
        )
        for n in range(ASSIGNMENTS)
    ]
    return School(teacher, learners, tutee, tutor_course, items, [a["id"] for a in assignments])


async def ingested_course(platform: Platform) -> str:
    """A published course in the retrieval index, so that the tutor's answers need the LLM."""
    database = Database(platform.database_url, pool_size=1)
    try:
        async with database.session() as session:
            record = await make_course(session, "Forces", [FRICTION])
        await ingest_course(database, record.course_id)
    finally:
        await database.close()
    return str(record.course_id)


async def until_accepted(
    send: Callable[[], Awaitable[httpx.Response | None]], ledger: Ledger, *statuses: int
) -> httpx.Response:
    """Send until an API accepts: what a client with retries does during an outage."""
    while True:
        sent = time.monotonic()
        response = await send()
        if response is not None and response.status_code < 500:
            return response
        ledger.failures.append(sent)
        await asyncio.sleep(0.3)


async def sit(
    clients: Clients, ledger: Ledger, learner: Account, item_ids: list[str], assignment_id: str
) -> None:
    """Start (or resume) a sitting, answer every item, submit; the submit is the accepted write."""
    headers = learner.headers
    body = {"assignment_id": assignment_id}
    started = await until_accepted(
        lambda: clients.request("POST", "/api/v1/sittings", headers=headers, json=body), ledger
    )
    if started.status_code == 409:  # a start whose answer was lost: resume the open sitting
        details = started.json()["error"]["details"]
        if "sitting_id" not in details:
            return  # attempts used up: that lost answer was a submit
        sitting_id = details["sitting_id"]
    else:
        assert started.status_code == 201, started.text
        sitting_id = started.json()["id"]
    for item_id in item_ids:
        path = f"/api/v1/sittings/{sitting_id}/answers/{item_id}"
        saved = await until_accepted(
            partial(clients.request, "PUT", path, headers=headers, json={"answer": "b"}), ledger
        )
        assert saved.status_code == 200, saved.text
    submitted = await until_accepted(
        lambda: clients.request("POST", f"/api/v1/sittings/{sitting_id}/submit", headers=headers),
        ledger,
    )
    assert submitted.status_code == 200, submitted.text
    ledger.sittings[sitting_id] = learner.id


async def homework_client(
    clients: Clients, ledger: Ledger, learner: Account, school: School, stop: asyncio.Event
) -> None:
    for _ in range(ATTEMPTS):
        for assignment_id in school.assignment_ids:
            if stop.is_set():
                return
            await sit(clients, ledger, learner, school.item_ids, assignment_id)
            await asyncio.sleep(PACE_SECONDS)
    raise AssertionError(f"learner {learner.id} ran out of attempts: make ATTEMPTS larger")


async def tutor_client(
    clients: Clients, ledger: Ledger, learner: Account, course_id: str, stop: asyncio.Event
) -> None:
    """Asks the tutor again and again; a turn is accepted when its stream ends with ``done``."""
    opened = await until_accepted(
        lambda: clients.request(
            "POST", "/api/v1/tutor/sessions", headers=learner.headers, json={"course_id": course_id}
        ),
        ledger,
    )
    assert opened.status_code == 201, opened.text
    session_id = opened.json()["id"]
    while not stop.is_set():
        sent = time.monotonic()
        turn_id = await ask(clients, learner, session_id)
        if turn_id is None:
            ledger.failures.append(sent)
            await asyncio.sleep(0.5)
        else:
            ledger.turns.append(turn_id)


async def ask(clients: Clients, learner: Account, session_id: str) -> str | None:
    """One tutor turn against the next API; its id when it completed, else None."""
    api = clients.apis[clients._next % len(clients.apis)]
    clients._next += 1
    path = f"/api/v1/tutor/sessions/{session_id}/messages"
    body = {"content": "What does friction do to a moving ball?"}
    try:
        async with clients.http[api.name].stream(
            "POST", path, json=body, headers=learner.headers
        ) as response:
            if response.status_code != 200:
                await response.aread()
                return None
            kind = ""
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    kind = line.removeprefix("event:").strip()
                elif line.startswith("data:") and kind == "done":
                    done: str = json.loads(line.removeprefix("data:"))["turn_id"]
                    return done
    except TRANSIENT:
        return None
    return None


async def answers_again(clients: Clients, learner: Account) -> float:
    """The moment every live API is ready and answers a real read."""
    deadline = time.monotonic() + RECOVERY_SECONDS
    for api in clients.apis:
        while True:
            try:
                ready = await clients.http[api.name].get("/readyz")
                read = await clients.http[api.name].get("/api/v1/sittings", headers=learner.headers)
                if ready.status_code == 200 and read.status_code == 200:
                    break
            except TRANSIENT:
                pass
            assert time.monotonic() < deadline, f"{api.name} not recovered in {RECOVERY_SECONDS} s"
            await asyncio.sleep(0.2)
    return time.monotonic()


async def until(
    condition: Callable[[], bool], what: str, timeout: float = RECOVERY_SECONDS
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


@pytest.fixture
async def llm_proxy(llm_server: LlmServer) -> AsyncIterator[TcpProxy]:
    target = httpx.URL(llm_server.base_url)
    proxy = TcpProxy(target.host, target.port or 80)
    await proxy.start()
    yield proxy
    await proxy.stop()


def api_environment(platform: Platform, llm_url: str, model: str) -> dict[str, str]:
    return {
        "WC_DATABASE_URL": platform.database_url,
        "WC_AMQP_URL": platform.rabbitmq.url,
        "WC_JWT_PRIVATE_KEY_FILE": str(platform.key_file),
        "WC_LLM_BASE_URL": llm_url,
        "WC_LLM_MODEL": model,
        "WC_LOG_FORMAT": "console",
        "WC_LOG_LEVEL": "WARNING",
        "WC_RATE_LIMIT_PER_MINUTE": "100000",
        "WC_OUTBOX_POLL_SECONDS": "0.1",
        "WC_SITTING_SWEEP_SECONDS": "0",
        "WC_MLFLOW_UI_PORT": "0",
        "WC_TUTOR_MAX_ANSWER_TOKENS": "32",
        "WC_TUTOR_LEARNER_MESSAGES_PER_MINUTE": "10000",
        "WC_TUTOR_TENANT_MESSAGES_PER_MINUTE": "10000",
    }


@pytest.fixture
async def apis(
    platform: Platform, llm_proxy: TcpProxy, llm_server: LlmServer
) -> AsyncIterator[list[ApiProcess]]:
    llm_url = f"http://{llm_proxy.host}:{llm_proxy.port}{httpx.URL(llm_server.base_url).path}"
    environment = api_environment(platform, llm_url, llm_server.model)
    started = [ApiProcess(name, platform.folder / name, environment) for name in ("api-a", "api-b")]
    for api in started:
        api.start()
    try:
        for api in started:
            await asyncio.to_thread(api.wait_ready)
        yield started
    finally:
        for api in started:
            api.stop()


@pytest.fixture
def runner(
    platform: Platform, llm_proxy: TcpProxy, llm_server: LlmServer
) -> Iterator[ContentRunnerProcess]:
    """A content runner whose LLM is behind the same proxy as the APIs'. It starts Ray and its
    worker actors when the first topic is queued."""
    llm_url = f"http://{llm_proxy.host}:{llm_proxy.port}{httpx.URL(llm_server.base_url).path}"
    environment = {
        **api_environment(platform, llm_url, llm_server.model),
        "WC_CONTENT_WORKERS": "1",
        "WC_CONTENT_ITEMS_PER_WORKER": "2",
        "WC_CONTENT_LEASE_SECONDS": "10",
        "WC_CONTENT_REGENERATIONS": "0",
    }
    started = ContentRunnerProcess(platform.folder / "runner", environment)
    started.start()
    try:
        yield started
    finally:
        started.stop()


async def submit_content_job(clients: Clients, admin: Account, course_id: str) -> str:
    body = {"course_id": course_id, "topics": CONTENT_TOPICS}
    response = await clients.request(
        "POST", "/api/v1/content/jobs", json=body, headers=admin.headers
    )
    assert accepted(response, 202), response and response.text
    assert response is not None
    job_id: str = response.json()["id"]
    return job_id


async def kill_a_busy_worker(
    clients: Clients, admin: Account, job_id: str, runner: ContentRunnerProcess
) -> set[int]:
    """SIGKILL the runner's Ray worker actor while it generates a topic; the killed pids."""
    deadline = time.monotonic() + CONTENT_SECONDS
    while True:
        runner.assert_running()
        topics = await job_topics(clients, admin, job_id)
        pids = runner.worker_pids(started=True)
        if pids and any(topic["status"] == "running" for topic in topics):
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
            return set(pids)
        assert time.monotonic() < deadline, "no content topic ever ran in a worker"
        await asyncio.sleep(0.5)


async def until_topic_retried(
    clients: Clients, admin: Account, job_id: str, runner: ContentRunnerProcess, killed: set[int]
) -> None:
    """Ray restarted the worker actor and the killed topic was claimed again."""
    deadline = time.monotonic() + CONTENT_SECONDS
    while True:
        runner.assert_running()
        topics = await job_topics(clients, admin, job_id)
        restarted = set(runner.worker_pids()) - killed
        if restarted and any(topic["attempts"] >= 2 for topic in topics):
            return
        assert time.monotonic() < deadline, "the killed worker's topic was never tried again"
        await asyncio.sleep(0.5)


async def job_topics(clients: Clients, admin: Account, job_id: str) -> list[dict[str, Any]]:
    path = f"/api/v1/content/jobs/{job_id}/topics"
    response = await clients.request("GET", path, headers=admin.headers)
    if not accepted(response, 200) or response is None:
        return []
    topics: list[dict[str, Any]] = response.json()
    return topics


async def test_accepted_writes_survive_each_fault_exactly_once(
    platform: Platform, apis: list[ApiProcess], llm_proxy: TcpProxy, runner: ContentRunnerProcess
) -> None:
    clients = Clients(apis)
    ledger, stop = Ledger(), asyncio.Event()
    recovery: dict[str, float] = {}
    workload: list[asyncio.Task[None]] = []
    try:
        room = await school(clients, platform)
        admin = await user(platform, "admin")
        job_id = await submit_content_job(clients, admin, room.course_id)
        workload += [
            asyncio.create_task(homework_client(clients, ledger, learner, room, stop))
            for learner in room.learners
        ]
        workload.append(
            asyncio.create_task(tutor_client(clients, ledger, room.tutee, room.course_id, stop))
        )

        async def progress() -> None:
            """New sittings and a new turn accepted: the workload goes on after the fault."""
            sittings, turns = len(ledger.sittings), len(ledger.turns)
            await until(
                lambda: len(ledger.sittings) >= sittings + LEARNERS and len(ledger.turns) > turns,
                "the workload to make progress",
                PROGRESS_SECONDS,
            )
            for task in workload:
                if task.done():
                    task.result()  # a client's assertion

        async def recovered(fault: str, since: float, ready: float) -> None:
            """The workload goes on, and nothing sent after recovery failed."""
            recovery[fault] = ready - since
            await progress()
            late = ledger.failed_since(ready)
            assert not late, f"{len(late)} requests failed after recovery from the {fault}"

        await progress()
        since = time.monotonic()
        killed = await kill_a_busy_worker(clients, admin, job_id, runner)
        await until_topic_retried(clients, admin, job_id, runner, killed)
        await recovered("ray worker killed", since, time.monotonic())

        since = time.monotonic()
        await asyncio.to_thread(platform.rabbitmq.restart)
        await recovered("rabbitmq restart", since, await answers_again(clients, room.tutee))

        since = time.monotonic()
        await asyncio.to_thread(platform.postgres.restart)
        await recovered("postgresql restart", since, await answers_again(clients, room.tutee))

        since = time.monotonic()
        await llm_proxy.cut()
        await asyncio.sleep(LLM_OUTAGE_SECONDS)
        await llm_proxy.restore()
        await recovered("llm cut", since, time.monotonic())

        since = time.monotonic()
        apis[1].kill()
        clients.apis = [apis[0]]
        await recovered("api process killed", since, await answers_again(clients, room.tutee))
        await until_job_finished(clients, admin, job_id)
    finally:
        stop.set()
        for task in workload:
            task.cancel()
        await asyncio.gather(*workload, return_exceptions=True)
        await clients.close()
    print(
        f"\nrecovery seconds: {recovery}; accepted sittings {len(ledger.sittings)}, "
        f"turns {len(ledger.turns)}, failed requests {len(ledger.failures)}"
    )

    database = Database(platform.database_url, pool_size=2)
    try:
        await settled(database, ledger)
        await assert_exactly_once(database, ledger)
        await assert_topics_stored_once(database, uuid.UUID(job_id))
        # The runner read every answer it asked for, the dead worker's failures included.
        assert "exception was never retrieved" not in runner.log()
    finally:
        await database.close()
    apis[0].stop()  # its analytics store is read below, by one process at a time
    assert_turns_captured_once(ledger, [api.folder / "data" / "clickhouse" for api in apis])


async def settled(database: Database, ledger: Ledger) -> None:
    """Until every outbox row is published, every accepted sitting is graded and the mastery
    consumer has taken every graded answer (it runs after grading, from the bus: a redelivery
    after a fault may still be on its way when the last sitting is graded)."""
    deadline = time.monotonic() + RECOVERY_SECONDS
    ids = [uuid.UUID(sitting) for sitting in ledger.sittings]
    mastered = select(ProcessedEvent.event_id).where(ProcessedEvent.consumer == MASTERY_CONSUMER)
    while True:
        async with database.session() as session:
            unpublished = await session.scalar(
                select(func.count()).where(OutboxEvent.published_at.is_(None))
            )
            graded = await session.scalar(
                select(func.count()).where(
                    ExamSitting.id.in_(ids), ExamSitting.status == SittingStatus.GRADED
                )
            )
            unmastered = await session.scalar(
                select(func.count()).where(
                    OutboxEvent.type == ANSWER_GRADED, OutboxEvent.id.not_in(mastered)
                )
            )
        if unpublished == 0 and graded == len(ids) and unmastered == 0:
            return
        assert time.monotonic() < deadline, (
            f"{unpublished} outbox rows unpublished, {len(ids) - (graded or 0)} sittings "
            f"ungraded, {unmastered} graded answers not taken by the mastery consumer"
        )
        await asyncio.sleep(0.5)


async def events_by(database: Database, event_type: str, key: str) -> dict[str, list[uuid.UUID]]:
    """Outbox rows of ``event_type``, grouped by the payload's ``key``."""
    async with database.session() as session:
        rows = (
            await session.execute(
                select(OutboxEvent.id, OutboxEvent.payload[key].astext).where(
                    OutboxEvent.type == event_type
                )
            )
        ).all()
    grouped: dict[str, list[uuid.UUID]] = {}
    for event_id, value in rows:
        grouped.setdefault(value, []).append(event_id)
    return grouped


async def processed(database: Database, consumer: str) -> dict[uuid.UUID, int]:
    async with database.session() as session:
        rows = await session.execute(
            select(ProcessedEvent.event_id, func.count())
            .where(ProcessedEvent.consumer == consumer)
            .group_by(ProcessedEvent.event_id)
        )
        return {event_id: count for event_id, count in rows.all()}


async def assert_exactly_once(database: Database, ledger: Ledger) -> None:
    submitted = await events_by(database, SITTING_SUBMITTED, "sitting_id")
    graded = await events_by(database, ASSESSMENT_GRADED, "sitting_id")
    answer_graded = await events_by(database, ANSWER_GRADED, "response_id")
    turns = await events_by(database, TUTOR_TURN_COMPLETED, "turn_id")
    for sitting_id in ledger.sittings:
        assert len(submitted.get(sitting_id, [])) == 1, f"sitting {sitting_id} submitted events"
        assert len(graded.get(sitting_id, [])) == 1, f"sitting {sitting_id} graded events"
    for turn_id in ledger.turns:
        assert len(turns.get(turn_id, [])) == 1, f"turn {turn_id}: {turns.get(turn_id)}"
    assert all(len(ids) == 1 for ids in answer_graded.values()), "an answer graded twice"

    on_submitted = await processed(database, SUBMITTED_CONSUMER)
    on_graded = await processed(database, MASTERY_CONSUMER)
    for ids in submitted.values():
        assert all(on_submitted.get(event_id) == 1 for event_id in ids)
    for ids in answer_graded.values():
        assert all(on_graded.get(event_id) == 1 for event_id in ids)

    async with database.session() as session:
        responses = dict(
            (
                await session.execute(
                    select(ExamSitting.learner_id, func.count(Response.id))
                    .join(Response, Response.sitting_id == ExamSitting.id)
                    .where(Response.graded_at.is_not(None))
                    .group_by(ExamSitting.learner_id)
                )
            ).all()
        )
        traced = dict(
            (
                await session.execute(
                    select(MasteryState.learner_id, func.sum(MasteryState.answers)).group_by(
                        MasteryState.learner_id
                    )
                )
            ).all()
        )
    accepted_answers = {learner: 0 for learner in set(ledger.sittings.values())}
    for learner in ledger.sittings.values():
        accepted_answers[learner] += MC_ITEMS
    for learner, count in accepted_answers.items():
        # Graded answers include those of sittings whose submit answer was lost (not in the
        # ledger); the mastery trace counts every graded answer exactly once.
        assert responses[learner] >= count
        assert traced[learner] == responses[learner], f"learner {learner}: traced twice or lost"


def assert_turns_captured_once(ledger: Ledger, stores: list[Path]) -> None:
    """Each accepted turn is captured, and no store holds it twice.

    A store collapses a redelivered turn by its id (``tutor_turns`` is a ReplacingMergeTree, read
    with FINAL), so a turn is one row per store. Each API process here captures into its own
    embedded chDB store (one process may open a chDB path): a turn redelivered after its first
    consumer was killed lands in the other store too, where the one ClickHouse server that
    several API processes share in production (docs/scaling.md) collapses it. So: once per
    store, and every accepted turn in some store."""
    seen: set[str] = set()
    for path in stores:
        if not path.exists():
            continue
        script = (
            "import asyncio, json, sys\n"
            "from core.infra.analytics.chdb import ChdbAnalytics\n"
            "async def main():\n"
            "    store = ChdbAnalytics(__import__('pathlib').Path(sys.argv[1]))\n"
            "    rows = await store.query('SELECT toString(turn_id) AS t, count() AS n "
            "FROM tutor_turns FINAL GROUP BY t')\n"
            "    await store.close()\n"
            "    print(json.dumps({r['t']: r['n'] for r in rows}))\n"
            "asyncio.run(main())\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
        )
        for turn_id, count in json.loads(result.stdout.strip().splitlines()[-1]).items():
            assert int(count) == 1, f"turn {turn_id} stored {count} times in {path}"
            seen.add(turn_id)
    missing = [turn_id for turn_id in ledger.turns if turn_id not in seen]
    assert not missing, f"accepted turns never captured: {missing}"


async def until_job_finished(clients: Clients, admin: Account, job_id: str) -> None:
    deadline = time.monotonic() + CONTENT_SECONDS
    while True:
        job = await clients.request("GET", f"/api/v1/content/jobs/{job_id}", headers=admin.headers)
        if accepted(job, 200) and job is not None and job.json()["finished_at"]:
            return
        assert time.monotonic() < deadline, "the content job did not finish"
        await asyncio.sleep(1)


async def assert_topics_stored_once(database: Database, job_id: uuid.UUID) -> None:
    """Each topic finished once, with one lesson (none left by the attempt the kill cut short),
    and the killed topic was tried again."""
    async with database.session() as session:
        topics = list(
            await session.scalars(select(ContentTopic).where(ContentTopic.job_id == job_id))
        )
        stored = [topic.lesson_id for topic in topics if topic.lesson_id is not None]
        units = await session.scalars(select(Lesson.unit_id).where(Lesson.id.in_(stored)))
        lessons = list(
            await session.scalars(select(Lesson.id).where(Lesson.unit_id.in_(set(units))))
        )
    assert len(topics) == len(CONTENT_TOPICS)
    assert all(topic.status in FINAL_TOPIC_STATUSES for topic in topics)
    given_up = [topic.error for topic in topics if topic.status is TopicStatus.FAILED]
    assert not [error for error in given_up if error and "worker" in error], given_up
    assert sorted(map(str, stored)) == sorted(map(str, lessons)), "a topic stored twice"
    assert max(topic.attempts for topic in topics) >= 2, "the killed topic was not tried again"
