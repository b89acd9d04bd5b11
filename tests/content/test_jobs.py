"""Bulk generation on the real stack: the OpenStax Python book, the API, the LLM application
and ``wc content runner`` processes with real Ray workers."""

import asyncio
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import psutil
from pydantic import TypeAdapter
from sqlalchemy import func, select

from agents.content.checks import Check, Verdict
from agents.content.hints import MIN_HINTS, gives_away, is_sentence
from agents.content.item_writer import answer_text
from agents.content.schemas import MultipleChoiceItem, NumericItem, QuizItem
from agents.content.structured import states_the_answer
from core.curriculum.models import Lesson, LessonStatus, LessonVersion
from platform_api.content.models import ContentTopic
from tests.content.conftest import (
    FINAL,
    Book,
    Runner,
    WebhookReceiver,
    job_topics,
    start_runner,
    submit_topics,
    topics_of,
    wait_for_job,
)
from tests.content.qti_checker import check_package
from tests.fixtures.app import Api
from tests.fixtures.faults import topic_worker_pids
from tests.fixtures.llm import MAX_ONGOING_REQUESTS, MAX_QUEUED_REQUESTS, LlmServer
from tests.fixtures.tcp_proxy import TcpProxy

QUIZ_ITEM: TypeAdapter[Any] = TypeAdapter(QuizItem)


def readable_hints(item: dict[str, Any]) -> None:
    """A non-numeric item always gets usable hints (where to look and the answer's shape, at
    least): its hints verdict passes and every hint is a readable sentence that keeps the answer
    back, whatever the writer wrote."""
    written = QUIZ_ITEM.validate_python(item["details"])
    verdicts = [Verdict.model_validate(v) for v in item["verdicts"]]
    (hints,) = [v for v in verdicts if v.check is Check.HINTS]
    if isinstance(written, NumericItem):
        return
    assert hints.passed, hints.reason
    assert len(item["hints"]) >= MIN_HINTS
    for hint in item["hints"]:
        assert is_sentence(hint) and not gives_away(hint, answer_text(written)), hint


def evidence_checked(item: dict[str, Any]) -> bool:
    """Every written item but a numeric one went through the evidence check, and a passing
    verdict cites a passage that states the key (checked here by its words, independently of the
    scorer). Whether the item was built from the book's structure (its answerable verdict then
    rests on the passage it was built from)."""
    written = QUIZ_ITEM.validate_python(item["details"])
    verdicts = [Verdict.model_validate(v) for v in item["verdicts"]]
    evidence = [v for v in verdicts if v.check is Check.EVIDENCE]
    assert len(evidence) == (0 if isinstance(written, NumericItem) else 1), verdicts
    for verdict in evidence:
        assert verdict.score is not None and 0 <= verdict.score <= 1
        if verdict.passed:
            assert verdict.passage and states_the_answer(verdict.passage, answer_text(written))
    answerable = next(v for v in verdicts if v.check is Check.ANSWERABLE)
    if answerable.passage is None:
        return False
    assert states_the_answer(answerable.passage, answer_text(written))
    if isinstance(written, MultipleChoiceItem):
        assert written.options[written.key].rationale.startswith("Right:")
    return True


async def test_bad_input_gets_clear_errors_and_the_good_rows_run(
    content_api: Api, python_book: Book
) -> None:
    editor = await content_api.account("content_editor")
    client, headers = content_api.client, editor.headers
    unknown = await client.post(
        "/api/v1/content/jobs",
        json={"course_id": str(uuid.uuid4()), "topics": [{"topic": "Loops"}]},
        headers=headers,
    )
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    course = {"course_id": str(python_book.course_id)}
    csv = b'topic,objectives\nFor loops,Write a for loop\n"Broken",a,b\n,Nothing\n'
    accepted = await client.post(
        "/api/v1/content/jobs/file",
        data=course,
        files={"file": ("topics.csv", csv, "text/csv")},
        headers=headers,
    )
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    assert job["total"] == 1 and job["topics_by_status"] == {"queued": 1}
    assert [(e["row"], e["error"]) for e in job["input_errors"]] == [
        (2, "3 fields where the header has 2"),
        (3, "the topic is empty"),
    ]
    huge = b"topic\n" + b"x" * (10 * 1024 * 1024)
    too_large = await client.post(
        "/api/v1/content/jobs/file",
        data=course,
        files={"file": ("topics.csv", huge, "text/csv")},
        headers=headers,
    )
    assert too_large.status_code == 413
    assert too_large.json()["error"]["code"] == "payload_too_large"
    nothing = await client.post(
        "/api/v1/content/jobs", json={**course, "topics": [{"topic": " "}]}, headers=headers
    )
    assert nothing.status_code == 422
    assert nothing.json()["error"]["details"][0]["loc"] == ["body", "topics", 0, "topic"]
    learner = await content_api.account("student")
    forbidden = await client.post(
        "/api/v1/content/jobs", json={**course, "topics": [{"topic": "x"}]}, headers=learner.headers
    )
    assert forbidden.status_code == 403
    # Nothing runs these topics (no runner here): cancelling closes the job at once.
    cancelled = await client.post(f"/api/v1/content/jobs/{job['id']}/cancel", headers=headers)
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["topics_by_status"] == {"cancelled": 1}


async def test_a_twenty_topic_job_completes_with_every_output_checked(
    content_api: Api,
    python_book: Book,
    llm_server: LlmServer,
    runners: list[Runner],
    webhook: WebhookReceiver,
    tmp_path: Path,
) -> None:
    editor = await content_api.account("content_editor")
    client, headers = content_api.client, editor.headers
    topics = topics_of(python_book, 20)
    body = {
        "course_id": str(python_book.course_id),
        "topics": topics,
        "options": {"reading_grade": 9},
        "webhook_url": webhook.url,
    }
    submitted = await client.post(
        "/api/v1/content/jobs", json=body, headers={**headers, "Idempotency-Key": "book-20"}
    )
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]
    again = await client.post(
        "/api/v1/content/jobs", json=body, headers={**headers, "Idempotency-Key": "book-20"}
    )
    assert again.json()["id"] == job_id  # the same key is the same job
    # Every topic at once: a topic sends one LLM request at a time, so the LLM application's
    # batch (MAX_ONGOING_REQUESTS) stays full to the end, its queue taking the few over it,
    # instead of a last wave of topics running at a small batch.
    # One rewrite round is tested by `wc generate`'s test; here every topic is written once.
    assert len(topics) - MAX_ONGOING_REQUESTS <= MAX_QUEUED_REQUESTS
    at_once = str(len(topics))
    runners.append(
        start_runner(
            python_book,
            llm_server,
            tmp_path,
            items_per_worker=at_once,
            tenant_max_running=at_once,
            regenerations="0",
        )
    )
    job = await wait_for_job(content_api, editor, job_id, runners[-1])

    # No topic lost: count in = count out, every one in a final status, the spread recorded.
    assert job["status"] == "finished" and job["percent"] == 100
    assert sum(job["topics_by_status"].values()) == 20
    assert set(job["topics_by_status"]) <= FINAL
    topics_out = await job_topics(content_api, headers, job_id)
    assert sorted(t["topic"] for t in topics_out) == sorted(t["topic"] for t in topics)
    print("\nstatuses:", job["topics_by_status"])

    generated = [t for t in topics_out if t["lesson_id"]]
    assert generated, "no topic produced a lesson"
    for topic in topics_out:
        if topic["status"] == "failed":
            assert topic["error"] and (topic["failures"] or topic["lesson_id"] is None)
            assert all(
                f["raw_outputs"] for f in topic["failures"] if f["step"] != "retrieve_sources"
            )
    items_seen = structured = composed = 0
    for topic in generated:
        entry = (await client.get(f"/api/v1/content/review/{topic['id']}", headers=headers)).json()
        assert entry["lesson_markdown"] and entry["lesson_verdicts"]
        verdicts = [Verdict.model_validate(verdict) for verdict in entry["lesson_verdicts"]]
        grounded = next(v for v in verdicts if v.check is Check.GROUNDED)
        # A lesson composed from the book quotes it (or rewords it, supported).
        composed += any(
            words in grounded.reason
            for words in ("in its source's own words", "reworded from its source")
        )
        for item in entry["items"]:
            QUIZ_ITEM.validate_python(item["details"])  # 100% of stored outputs validate
            assert item["verdicts"], "an item without check verdicts"
            checks = {Verdict.model_validate(v).check.value for v in item["verdicts"]}
            assert {"answerable", "not_duplicate", "banned_content", "hints"} <= checks
            readable_hints(item)
            structured += evidence_checked(item)
            items_seen += 1
    assert items_seen > 0
    # The Python book's glossary defines many of its topics' terms: items are built from it.
    assert structured > 0
    print(
        f"items: {items_seen}, built from the book's structure: {structured}; lessons composed "
        f"from the book: {composed} of {len(generated)}"
    )
    assert composed > 0
    async with content_api.stores.database.session() as session:
        lessons = await session.scalar(
            select(func.count()).select_from(Lesson).where(Lesson.unit_id == job["unit_id"])
        )
    assert lessons == len(generated)

    # The event reached the webhook, with the same counts.
    async def delivered() -> bool:
        return bool(webhook.bodies)

    await wait_until(delivered, 30, "the webhook")
    assert webhook.bodies[0]["type"] == "content.job.finished"
    assert webhook.bodies[0]["data"]["job_id"] == job_id
    assert webhook.bodies[0]["data"]["topics_by_status"] == job["topics_by_status"]

    # Exports: the QTI package passes the structural check; JSON and Markdown have everything.
    qti = await client.get(f"/api/v1/content/jobs/{job_id}/export?format=qti", headers=headers)
    assert qti.headers["content-type"] == "application/zip"
    check_package(qti.content)
    exported = (
        await client.get(f"/api/v1/content/jobs/{job_id}/export?format=json", headers=headers)
    ).json()
    assert sum(len(lesson["items"]) for lesson in exported) == items_seen
    markdown = await client.get(
        f"/api/v1/content/jobs/{job_id}/export?format=markdown", headers=headers
    )
    assert markdown.text.count("\n# ") + markdown.text.startswith("# ") == len(generated)

    await review_flow(content_api, editor.headers, job_id, generated)


async def review_flow(
    api: Api, headers: dict[str, str], job_id: str, generated: list[dict[str, Any]]
) -> None:
    """Edit an item, approve one lesson (published), reject another with its reason."""
    client = api.client
    job = (await client.get(f"/api/v1/content/jobs/{job_id}", headers=headers)).json()
    queue = (
        await client.get(f"/api/v1/content/review?course_id={job['course_id']}", headers=headers)
    ).json()
    assert {t["id"] for t in queue} == {t["id"] for t in generated if t["status"] != "failed"}
    first, second = queue[0], queue[1]
    entry = (await client.get(f"/api/v1/content/review/{first['id']}", headers=headers)).json()
    if entry["items"]:
        item = entry["items"][0]
        edited = await client.put(
            f"/api/v1/content/items/{item['id']}",
            json={"version": 1, "prompt": "A clearer question?", "change_note": "reworded"},
            headers=headers,
        )
        assert edited.status_code == 200 and edited.json()["version"] == 2
        stale = await client.put(
            f"/api/v1/content/items/{item['id']}",
            json={"version": 1, "prompt": "x"},
            headers=headers,
        )
        assert stale.status_code == 412
        versions = (
            await client.get(f"/api/v1/content/items/{item['id']}/versions", headers=headers)
        ).json()
        assert [(v["author_kind"], v["model_name"] is not None) for v in versions] == [
            ("model", True),
            ("human", False),
        ]
        assert versions[0]["prompt_version"]
    lesson_edit = {"version": entry["lesson_version"], "body_markdown": "## Edited\n\nBy a person."}
    edited_lesson = await client.put(
        f"/api/v1/content/review/{first['id']}/lesson", json=lesson_edit, headers=headers
    )
    assert edited_lesson.status_code == 200, edited_lesson.text
    assert edited_lesson.json()["lesson_version"] == entry["lesson_version"] + 1
    stale_lesson = await client.put(
        f"/api/v1/content/review/{first['id']}/lesson", json=lesson_edit, headers=headers
    )
    assert stale_lesson.status_code == 412
    approved = await client.post(
        f"/api/v1/content/review/{first['id']}/decision",
        json={"decision": "approve"},
        headers=headers,
    )
    assert approved.json()["review_status"] == "approved"
    no_reason = await client.post(
        f"/api/v1/content/review/{second['id']}/decision",
        json={"decision": "reject"},
        headers=headers,
    )
    assert no_reason.status_code == 422
    rejected = await client.post(
        f"/api/v1/content/review/{second['id']}/decision",
        json={"decision": "reject", "reason": "off topic"},
        headers=headers,
    )
    assert rejected.json()["review_reason"] == "off topic"
    async with api.stores.database.session() as session:
        published = await session.get(Lesson, uuid.UUID(first["lesson_id"]))
        drafted = await session.get(Lesson, uuid.UUID(second["lesson_id"]))
    assert published is not None and published.status is LessonStatus.PUBLISHED
    assert published.body_markdown == "## Edited\n\nBy a person."
    async with api.stores.database.session() as session:
        authors = (
            await session.execute(
                select(
                    LessonVersion.author_kind, LessonVersion.model_name, LessonVersion.change_note
                )
                .where(LessonVersion.lesson_id == published.id)
                .order_by(LessonVersion.version)
            )
        ).all()
    assert [kind for kind, _, _ in authors] == ["model", "human", "human"]
    assert authors[0][1] and authors[2][2] == "approved"
    assert drafted is not None and drafted.status is LessonStatus.DRAFT


async def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.5)


async def test_killed_workers_and_runner_finish_the_job_without_duplicates(
    content_api: Api,
    python_book: Book,
    llm_server: LlmServer,
    runners: list[Runner],
    tmp_path: Path,
) -> None:
    editor = await content_api.account("content_editor")
    job_id = await submit_topics(content_api, editor, python_book, 4, start=20)
    settings = {"items_per_worker": "2", "lease_seconds": "5", "regenerations": "0"}
    runners.append(start_runner(python_book, llm_server, tmp_path, **settings))

    async def statuses() -> dict[str, int]:
        job = (
            await content_api.client.get(f"/api/v1/content/jobs/{job_id}", headers=editor.headers)
        ).json()
        return dict(job["topics_by_status"])

    def started_workers() -> list[int]:
        return topic_worker_pids(psutil.process_iter(), started=True)

    async def running() -> bool:
        return (await statuses()).get("running", 0) > 0 and bool(started_workers())

    # 1. A Ray worker dies mid-topic: Ray restarts it and its topics are queued again.
    await wait_until(running, 180, "a topic in a worker")
    for pid in started_workers():
        psutil.Process(pid).kill()

    async def one_final() -> bool:
        return sum(n for s, n in (await statuses()).items() if s in FINAL) >= 1

    # 2. The runner itself (and its Ray) is killed once a topic is stored and others run.
    await wait_until(one_final, 600, "a finished topic")
    await wait_until(running, 120, "a running topic after the first finished")
    runners[-1].kill()
    before = await statuses()
    runners.append(start_runner(python_book, llm_server, tmp_path, **settings))
    job = await wait_for_job(content_api, editor, job_id, runners[-1])

    assert job["status"] == "finished" and sum(job["topics_by_status"].values()) == 4
    async with content_api.stores.database.session() as session:
        topics = list(
            await session.scalars(
                select(ContentTopic).where(ContentTopic.job_id == uuid.UUID(job_id))
            )
        )
        lessons = list(
            await session.scalars(select(Lesson).where(Lesson.unit_id == uuid.UUID(job["unit_id"])))
        )
    assert {t.status.value for t in topics} <= FINAL
    # One lesson per stored topic, none left over from an attempt cut short.
    assert sorted(str(t.lesson_id) for t in topics if t.lesson_id) == sorted(
        str(lesson.id) for lesson in lessons
    )
    assert len({lesson.position for lesson in lessons}) == len(lessons)
    assert max(t.attempts for t in topics) >= 2, f"nothing was retried: {before}"


async def test_an_llm_outage_holds_topics_back_and_loses_none(
    content_api: Api,
    python_book: Book,
    llm_server: LlmServer,
    runners: list[Runner],
    tmp_path: Path,
) -> None:
    editor = await content_api.account("content_editor")
    job_id = await submit_topics(content_api, editor, python_book, 1, start=30)
    llm_url = httpx.URL(llm_server.base_url)
    proxy = TcpProxy(llm_url.host, llm_url.port or 80)
    await proxy.start()
    await proxy.cut()
    outage = replace(
        llm_server, base_url=f"http://127.0.0.1:{proxy.port}{llm_url.path}", metrics_url=None
    )
    runners.append(start_runner(python_book, outage, tmp_path, regenerations="0"))
    try:

        async def tried() -> bool:
            topics = await job_topics(content_api, editor.headers, job_id)
            return any(t["error"] and "LlmUnavailable" in t["error"] for t in topics)

        await wait_until(tried, 180, "a topic to meet the outage")
        await asyncio.sleep(8)  # the runner keeps backing off: nothing fails meanwhile
        topics = await job_topics(content_api, editor.headers, job_id)
        assert {t["status"] for t in topics} <= {"queued", "running"}
        assert all(t["attempts"] <= 1 for t in topics)
        await proxy.restore()
        job = await wait_for_job(content_api, editor, job_id, runners[-1])
    finally:
        await proxy.cut()
    assert sum(job["topics_by_status"].values()) == 1
    topics = await job_topics(content_api, editor.headers, job_id)
    assert all(t["attempts"] == 1 for t in topics), topics


async def test_cancelling_a_running_job_stops_its_topics(
    content_api: Api,
    python_book: Book,
    llm_server: LlmServer,
    runners: list[Runner],
    tmp_path: Path,
) -> None:
    editor = await content_api.account("content_editor")
    job_id = await submit_topics(content_api, editor, python_book, 3, start=40)
    runners.append(start_runner(python_book, llm_server, tmp_path, items_per_worker="2"))

    async def running() -> bool:
        topics = await job_topics(content_api, editor.headers, job_id)
        return any(t["status"] == "running" for t in topics)

    await wait_until(running, 180, "a running topic")
    cancelling = await content_api.client.post(
        f"/api/v1/content/jobs/{job_id}/cancel", headers=editor.headers
    )
    assert cancelling.json()["status"] == "cancelling"
    assert cancelling.json()["topics_by_status"].get("queued", 0) == 0  # cancelled at once
    job = await wait_for_job(content_api, editor, job_id, runners[-1], timeout=120)
    assert job["status"] == "cancelled"
    assert sum(job["topics_by_status"].values()) == 3
    assert job["topics_by_status"].get("cancelled", 0) >= 2
    again = await content_api.client.post(
        f"/api/v1/content/jobs/{job_id}/cancel", headers=editor.headers
    )
    assert again.status_code == 409
