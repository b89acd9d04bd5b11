"""Content generation on the real stack: a book imported and indexed once, the API on it, the
LLM application, and ``wc content runner`` processes (real Ray workers) that tests may kill."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from core.curriculum.models import Course, Lesson
from core.infra.database import Database
from platform_api.content.models import ContentTopic, TopicStatus
from platform_api.openstax.service import import_openstax_source
from rag.ingest import ingest_course
from tests.fixtures.app import Account, Api, make_settings, running_api
from tests.fixtures.llm import LlmServer
from tests.fixtures.postgres import create_test_database
from tests.openstax import BOOKS_DIR, PYTHON_BOOK

FINAL = {"needs_review", "failed", "done", "cancelled"}


@dataclass
class Book:
    database_url: str
    course_id: uuid.UUID
    lessons: list[Lesson]


@pytest.fixture(scope="module")
async def python_book(postgres_server_url: str) -> AsyncIterator[Book]:
    """The OpenStax Python book, imported and ingested into its own database."""
    url = await create_test_database(postgres_server_url)
    database = Database(url, pool_size=3)
    try:
        async with database.session() as session:
            await import_openstax_source(session, BOOKS_DIR / PYTHON_BOOK, None)
            course_id = await session.scalar(select(Course.id))
            assert course_id is not None
            lessons = list(
                await session.scalars(
                    select(Lesson).where(Lesson.course_id == course_id).order_by(Lesson.position)
                )
            )
        await ingest_course(database, course_id)
        yield Book(url, course_id, lessons)
    finally:
        await database.close()


@pytest.fixture
async def content_api(
    python_book: Book, llm_server: LlmServer, tmp_path: Path
) -> AsyncIterator[Api]:
    settings = make_settings(
        python_book.database_url,
        tmp_path,
        llm_base_url=llm_server.base_url,
        webhook_allowed_networks=["127.0.0.1/32"],  # the job's webhook receiver
    )
    async for running in running_api(settings):
        yield running
        await cancel_unfinished_topics(running.stores.database)


async def cancel_unfinished_topics(database: Database) -> None:
    """The module's tests share the book's database: a topic one test left unfinished (it failed
    or timed out) must not be claimed by the next test's runner."""
    async with database.session() as session, session.begin():
        await session.execute(
            update(ContentTopic)
            .where(ContentTopic.status.in_([TopicStatus.QUEUED, TopicStatus.RUNNING]))
            .values(status=TopicStatus.CANCELLED)
        )


NOT_TOPICS = {"Preface", "Introduction", "Chapter summary"}


def topics_of(book: Book, count: int, start: int = 0) -> list[dict[str, Any]]:
    """Topics as a content team would list them: a section's title and its objectives (most
    sections of this book state none: the writer then proposes them)."""
    return [
        {"topic": lesson.title, "objectives": lesson.objectives[:2]}
        for lesson in sections(book, count, start)
    ]


def focused_topics(book: Book, count: int, start: int) -> list[dict[str, Any]]:
    """Topics with the one objective a person wrote for each: a lesson, one item, its hints and
    its critique. For the tests of crashes, outages and cancelling, which need topics in flight,
    not long ones (a proposed plan adds its own call and up to three items, each with hints and
    a critique)."""
    return [
        {"topic": lesson.title, "objectives": [f"Explain {lesson.title.lower()} with an example"]}
        for lesson in sections(book, count, start)
    ]


def sections(book: Book, count: int, start: int) -> list[Lesson]:
    chosen = [lesson for lesson in book.lessons if lesson.title not in NOT_TOPICS]
    chosen = chosen[start : start + count]
    assert len(chosen) == count
    return chosen


async def submit_topics(api: Api, account: Account, book: Book, count: int, start: int) -> str:
    """A job of ``count`` of the book's sections, one objective each; its id."""
    body = {"course_id": str(book.course_id), "topics": focused_topics(book, count, start)}
    created = await api.client.post("/api/v1/content/jobs", json=body, headers=account.headers)
    assert created.status_code == 202, created.text
    job_id: str = created.json()["id"]
    return job_id


async def job_topics(api: Api, headers: dict[str, str], job_id: str) -> list[dict[str, Any]]:
    response = await api.client.get(f"/api/v1/content/jobs/{job_id}/topics", headers=headers)
    topics: list[dict[str, Any]] = response.json()
    return topics


@dataclass
class Runner:
    """A ``wc content runner`` process in its own process group (its Ray goes down with it)."""

    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()


def start_runner(book: Book, llm_server: LlmServer, folder: Path, **settings: str) -> Runner:
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "WC_DATABASE_URL": book.database_url,
        "WC_DATA_DIR": str(folder / "data"),
        "WC_LLM_BASE_URL": llm_server.base_url,
        # The workers run on the LLM application's Ray, as on a cluster: no Ray start per runner.
        # A local Ray asks for its token (~/.ray/auth_token) from whoever joins it.
        **(
            {"WC_RAY_ADDRESS": llm_server.ray_address, "RAY_AUTH_MODE": "token"}
            if llm_server.ray_address
            else {}
        ),
        "WC_LOG_FORMAT": "console",
        **{f"WC_CONTENT_{name.upper()}": value for name, value in settings.items()},
    }
    log = folder / f"runner-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("wc")), "content", "runner"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Runner(process, log)


@pytest.fixture
def runners(tmp_path: Path) -> Iterator[list[Runner]]:
    started: list[Runner] = []
    yield started
    for runner in started:
        runner.stop()


async def wait_for_job(
    api: Api, account: Account, job_id: str, runner: Runner, timeout: float = 900
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = (
            await api.client.get(f"/api/v1/content/jobs/{job_id}", headers=account.headers)
        ).json()
        if job["finished_at"]:
            return dict(job)
        assert runner.process.poll() is None, runner.log.read_text()[-4000:]
        await asyncio.sleep(2)
    raise AssertionError(f"job not finished in {timeout}s:\n{runner.log.read_text()[-4000:]}")


@dataclass
class WebhookReceiver:
    url: str
    bodies: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """A loopback HTTP server recording every POST, as a customer's endpoint would."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    receiver = WebhookReceiver(f"http://127.0.0.1:{server.server_port}/hooks/content")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            receiver.bodies.append(json.loads(self.rfile.read(length)))
            receiver.headers.append(dict(self.headers.items()))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
