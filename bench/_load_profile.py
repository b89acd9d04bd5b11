"""The people of bench/load.py and what they do, each an asyncio task on one shared HTTP client.

Learners read lessons, sit homework (answers saved one by one, then submitted) and look at their
progress; tutor users chat with the tutor, one streamed answer after another; teachers read their
class's dashboard and gradebook; a content editor keeps one generation job running; one learner
sits a proctored exam with the webcam streaming (from a child process: encoding video is the
browser's work, not the load generator's). Everyone waits a human's think time between actions,
except the tutor streams, which are the LLM's load.
"""

import asyncio
import contextlib
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.fixtures.app import Account

THINK_SECONDS = (1.0, 3.0)
TEACHER_THINK_SECONDS = (3.0, 6.0)
CONTENT_POLL_SECONDS = 5.0
PROCTOR_POLL_SECONDS = 5.0
ENDED_JOB = {"finished", "cancelled"}
# Groups whose latency is the API's (the SLO's p99); the tutor's stream is measured by its time
# to first token instead, and the content job and the webcam by their own figures.
STREAMED = {"tutor: first token", "tutor: whole answer"}
# Methods a client may send again when the connection broke before an answer came (RFC 9110
# §9.2.2): the race of a kept-alive connection that the server closes as the request arrives.
IDEMPOTENT = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}


@dataclass
class Recorder:
    """Every request's latency and outcome, by endpoint group."""

    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # Requests sent again after a broken connection (counted, and timed from the first try).
    retried: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def ok(self, group: str, started: float) -> None:
        self.latencies_ms[group].append((time.perf_counter() - started) * 1000)

    def failed(self, group: str, why: str) -> None:
        self.errors[group].append(why)

    @property
    def requests(self) -> int:
        done = sum(len(values) for values in self.latencies_ms.values())
        return done + sum(len(values) for values in self.errors.values())


@dataclass
class Load:
    """What every actor shares: the client, the recorder, the stop signal, the seeded world."""

    client: httpx.AsyncClient
    recorder: Recorder
    stop: asyncio.Event
    world: "World"
    rng: random.Random = field(default_factory=lambda: random.Random(20261204))

    async def think(self, bounds: tuple[float, float] = THINK_SECONDS) -> None:
        with contextlib.suppress(TimeoutError):  # the think time passed without a stop
            await asyncio.wait_for(self.stop.wait(), self.rng.uniform(*bounds))

    async def call(
        self,
        group: str,
        method: str,
        path: str,
        account: Account,
        handled: Callable[[httpx.Response], bool] = lambda _: False,
        **kwargs: Any,
    ) -> httpx.Response | None:
        """One request, timed; None when it failed (recorded as an error of its group).
        ``handled``: refusals the caller handles, returned and timed like a success. An
        idempotent request whose connection broke is sent once more, as browsers do."""
        started = time.perf_counter()
        tries = 2 if method in IDEMPOTENT else 1
        for attempt in range(1, tries + 1):
            try:
                response = await self.client.request(
                    method, path, headers=account.headers, **kwargs
                )
                break
            except httpx.HTTPError as error:
                why = f"{type(error).__name__}: {error}"
                if isinstance(error, httpx.TransportError) and attempt < tries:
                    self.recorder.retried[group].append(why)
                    continue
                self.recorder.failed(group, why)
                return None
        if response.is_success or handled(response):
            self.recorder.ok(group, started)
            return response
        self.recorder.failed(group, f"{response.status_code} {response.text[:200]}")
        return None


@dataclass(frozen=True)
class Coursework:
    """A class's homework: its assignments (each taken for its allowed attempts, then the next)
    and the answers its learners give (item id → answer)."""

    homework_ids: list[str]
    attempts_allowed: int
    answers: dict[str, str]

    def assignment(self, sittings: int) -> str:
        """The homework of a learner's next sitting, after ``sittings`` started ones."""
        return self.homework_ids[sittings // self.attempts_allowed % len(self.homework_ids)]


@dataclass
class World:
    """What setup made: who exists and what they work on."""

    learners: list[tuple[Account, Coursework]]
    teachers: list[tuple[Account, str]]  # a teacher and their class
    tutor_users: list[Account]
    lesson_ids: list[str]  # published lessons of the demo course
    course_id: str  # the demo course: the tutor's material, the content job's course
    questions: list[str]
    content_editor: Account
    topics: list[dict[str, Any]]


async def learner(load: Load, account: Account, work: Coursework) -> None:
    """Read a lesson, sit homework answer by answer, look at progress; think in between."""
    world, sittings = load.world, 0
    while not load.stop.is_set():
        lesson = load.rng.choice(world.lesson_ids)
        await load.call("lesson read", "GET", f"/api/v1/curricula/lessons/{lesson}", account)
        await load.think()
        homework = {"assignment_id": work.assignment(sittings)}
        started = await load.call(
            "sitting start",
            "POST",
            "/api/v1/sittings",
            account,
            json=homework,
            handled=already_open,
        )
        if started is None:
            await load.think()
            continue
        sittings += started.is_success  # a resumed sitting was counted when it started
        sitting = open_sitting(started)
        for item_id, answer in work.answers.items():
            if load.stop.is_set():
                return
            path = f"/api/v1/sittings/{sitting}/answers/{item_id}"
            await load.call("answer save", "PUT", path, account, json={"answer": answer})
            await load.think()
        await load.call("sitting submit", "POST", f"/api/v1/sittings/{sitting}/submit", account)
        await load.call("progress read", "GET", "/api/v1/me/progress", account)
        await load.think()


def already_open(refused: httpx.Response) -> bool:
    """The learner has an open sitting, which a client resumes (after a lost answer to its
    submit, say)."""
    return refused.status_code == 409 and refused.json()["error"]["code"] == "sitting_already_open"


def open_sitting(started: httpx.Response) -> str:
    """The sitting to answer: the one just started, or the learner's open one."""
    if started.is_success:
        return str(started.json()["id"])
    return str(started.json()["error"]["details"]["sitting_id"])


async def teacher(load: Load, account: Account, class_id: str) -> None:
    while not load.stop.is_set():
        await load.call("dashboard read", "GET", f"/api/v1/classes/{class_id}/dashboard", account)
        await load.think(TEACHER_THINK_SECONDS)
        path = f"/api/v1/classes/{class_id}/gradebook.csv"
        await load.call("gradebook read", "GET", path, account)
        await load.think(TEACHER_THINK_SECONDS)


async def tutor_stream(load: Load, account: Account) -> None:
    """Questions one after another, each in a new session, streamed as the chat page reads them."""
    while not load.stop.is_set():
        session = await load.call(
            "tutor session", "POST", "/api/v1/tutor/sessions", account,
            json={"course_id": load.world.course_id},
        )  # fmt: skip
        if session is None:
            await load.think()
            continue
        question = load.rng.choice(load.world.questions)
        await streamed_answer(load, account, session.json()["id"], question)


async def streamed_answer(load: Load, account: Account, session_id: str, question: str) -> None:
    path, recorder = f"/api/v1/tutor/sessions/{session_id}/messages", load.recorder
    started, first, kind = time.perf_counter(), False, ""
    try:
        async with load.client.stream(
            "POST", path, json={"content": question}, headers=account.headers
        ) as reply:
            if not reply.is_success:
                await reply.aread()
                recorder.failed("tutor: first token", f"{reply.status_code} {reply.text[:200]}")
                return
            async for line in reply.aiter_lines():
                if line.startswith("event:"):
                    kind = line.removeprefix("event:").strip()
                elif line.startswith("data:") and kind == "token" and not first:
                    first = True
                    recorder.ok("tutor: first token", started)
                elif line.startswith("data:") and kind == "error":
                    error = json.loads(line.removeprefix("data:"))
                    recorder.failed("tutor: whole answer", str(error)[:200])
                    return
    except httpx.HTTPError as error:
        recorder.failed("tutor: whole answer", f"{type(error).__name__}: {error}")
        return
    if first:
        recorder.ok("tutor: whole answer", started)
    else:
        recorder.failed("tutor: first token", "the answer ended without a token")


async def content_editor(load: Load, jobs_done: list[dict[str, Any]]) -> None:
    """One generation job running at all times: submitted, polled until it ends, again."""
    world, editor = load.world, load.world.content_editor
    while not load.stop.is_set():
        body = {"course_id": world.course_id, "topics": world.topics}
        jobs = "/api/v1/content/jobs"
        created = await load.call("content job submit", "POST", jobs, editor, json=body)
        if created is None:
            await load.think(TEACHER_THINK_SECONDS)
            continue
        job_id, started = created.json()["id"], time.perf_counter()
        while not load.stop.is_set():
            await load.think((CONTENT_POLL_SECONDS, CONTENT_POLL_SECONDS))
            shown = await load.call("content job read", "GET", f"{jobs}/{job_id}", editor)
            if shown is not None and shown.json()["status"] in ENDED_JOB:
                why = await failed_topics(load, f"{jobs}/{job_id}/topics")
                seconds = time.perf_counter() - started
                jobs_done.append({**shown.json(), "seconds": seconds, "topic_errors": why})
                break


async def failed_topics(load: Load, path: str) -> list[str]:
    """Why the job's failed topics failed (their errors), for the report."""
    shown = await load.call("content job read", "GET", path, load.world.content_editor)
    topics = [] if shown is None else shown.json()
    return [str(topic["error"]) for topic in topics if topic["status"] == "failed"]


async def proctor_watch(load: Load, account: Account, session_id: str) -> None:
    """The exam page's poll of its proctoring session while the webcam streams."""
    path = f"/api/v1/proctor/sessions/{session_id}"
    while not load.stop.is_set():
        await load.call("proctor session read", "GET", path, account)
        await load.think((PROCTOR_POLL_SECONDS, PROCTOR_POLL_SECONDS))


def people(load: Load) -> list[Coroutine[Any, Any, None]]:
    """Every learner, teacher and tutor user at work (the content editor and the proctored
    learner are started by the caller, who keeps their results)."""
    world = load.world
    return [
        *(learner(load, account, work) for account, work in world.learners),
        *(teacher(load, account, class_id) for account, class_id in world.teachers),
        *(tutor_stream(load, account) for account in world.tutor_users),
    ]
