"""Conversations outlive the process, can be listed and deleted; a client that leaves stops the
LLM; every turn and its feedback land in ClickHouse."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from core.infra.outbox import OutboxEvent
from platform_api.analytics.capture import TUTOR_TURN_COMPLETED
from tests.fixtures.app import Api
from tests.fixtures.llm import LlmServer, assert_llm_aborted, quiet_llm_count, wait_until_llm_busy
from tests.tutor.conftest import (
    LONG_QUESTION,
    TutorCourse,
    explained_course,
    live_api,
    make_tutor_course,
    tutor_settings,
)
from tests.tutor.sse import ask, new_session

CAPTURE_TIMEOUT_SECONDS = 30


async def test_conversation_survives_a_restart_and_resumes_with_its_history(
    database_url_for_test: str, tmp_path: Path, llm_server: LlmServer
) -> None:
    settings = tutor_settings(database_url_for_test, tmp_path, llm_server)
    async for api in live_api(settings):
        course = await make_tutor_course(api.stores.database)
        learner = await api.account("student")
        session_id = await new_session(api.client, learner.headers, course.course_id)
        first = await ask(api.client, learner.headers, session_id, "What is evaporation?")
        assert first.status == 200, first.error

    async for api in live_api(settings):  # a new process: nothing in memory, all in PostgreSQL
        path = f"/api/v1/tutor/sessions/{session_id}"
        before = (await api.client.get(path, headers=learner.headers)).json()
        assert [(m["role"], m["content"]) for m in before["messages"]] == [
            ("learner", "What is evaporation?"),
            ("tutor", first.done["answer"]),
        ]
        second = await ask(api.client, learner.headers, session_id, "And what makes it faster?")
        assert second.status == 200, second.error
        after = (await api.client.get(path, headers=learner.headers)).json()
        assert len(after["messages"]) == 4
        assert after["messages"][2]["content"] == "And what makes it faster?"


@pytest.fixture
async def short_memory_api(
    monkeypatch: pytest.MonkeyPatch,
    database_url_for_test: str,
    tmp_path: Path,
    llm_server: LlmServer,
) -> AsyncIterator[Api]:
    monkeypatch.setenv("WC_TUTOR_MEMORY_TOKENS", "100")
    async for api in live_api(tutor_settings(database_url_for_test, tmp_path, llm_server)):
        yield api


async def test_a_long_conversation_is_summarised_and_goes_on(short_memory_api: Api) -> None:
    api = short_memory_api
    course = await make_tutor_course(api.stores.database)
    learner = await api.account("student")
    session_id = await new_session(api.client, learner.headers, course.course_id)
    questions = ("How do clouds form?", "What makes water evaporate faster?", "What is dew?")
    for question in questions:
        turn = await ask(api.client, learner.headers, session_id, question)
        assert turn.status == 200 and turn.done["answer"], turn.error

    detail = (
        await api.client.get(f"/api/v1/tutor/sessions/{session_id}", headers=learner.headers)
    ).json()
    assert detail["summary"], "older turns beyond the memory budget were summarised"
    assert len(detail["messages"]) == 2 * len(questions)  # the learner still sees every turn


async def test_learner_lists_and_deletes_their_conversations(
    tutor_api: Api, course: TutorCourse
) -> None:
    learner, other = await tutor_api.account("student"), await tutor_api.account("student")
    kept = await new_session(tutor_api.client, learner.headers, course.course_id)
    deleted = await new_session(tutor_api.client, learner.headers, course.course_id)
    await ask(tutor_api.client, learner.headers, deleted, "Who won the 1998 world cup?")
    await new_session(tutor_api.client, other.headers, course.course_id)

    listing = await tutor_api.client.get("/api/v1/tutor/sessions", headers=learner.headers)
    assert listing.json()["total"] == 2
    assert listing.json()["items"][0]["id"] == deleted  # the latest conversation first

    gone = await tutor_api.client.delete(
        f"/api/v1/tutor/sessions/{deleted}", headers=learner.headers
    )
    assert gone.status_code == 204
    assert (
        await tutor_api.client.get(f"/api/v1/tutor/sessions/{deleted}", headers=learner.headers)
    ).status_code == 404
    listing = await tutor_api.client.get("/api/v1/tutor/sessions", headers=learner.headers)
    assert [s["id"] for s in listing.json()["items"]] == [kept]
    async with tutor_api.stores.database.session() as session:
        remembered = await session.scalar(
            text("SELECT count(*) FROM checkpoints WHERE thread_id LIKE :thread"),
            {"thread": f"%/{deleted}"},
        )
    assert remembered == 0, "the checkpointed conversation went with the session"


async def test_closing_the_stream_stops_the_llm(
    long_answer_api: Api, llm_server: LlmServer
) -> None:
    api, metrics_url = long_answer_api, llm_server.metrics_url
    if metrics_url is None:
        pytest.skip("no metrics URL for a reused LLM application")
    course = await explained_course(api)
    learner = await api.account("student")
    session_id = await new_session(api.client, learner.headers, course.course_id)
    finished = await quiet_llm_count(metrics_url)

    async with api.client.stream(
        "POST",
        f"/api/v1/tutor/sessions/{session_id}/messages",
        json={"content": LONG_QUESTION},
        headers=learner.headers,
    ) as response:
        lines = response.aiter_lines()  # held: leaving the loop must not close the stream yet
        async for line in lines:
            if line.startswith("event:") and "token" in line:
                break
        # Generation of up to 1,500 tokens takes ~40 s here; the gauge lags by a few seconds.
        await wait_until_llm_busy(metrics_url)
    # The client went away mid-answer.
    await assert_llm_aborted(metrics_url, finished)
    async with api.stores.database.session() as session:
        recorded = await session.scalar(
            select(func.count()).where(OutboxEvent.type == TUTOR_TURN_COMPLETED)
        )
    assert recorded == 0, "an abandoned turn is not recorded as answered"
    # The learner's slot is free again: the next message is answered.
    again = await ask(api.client, learner.headers, session_id, "Who won the 1998 world cup?")
    assert again.status == 200, again.error


async def test_turn_and_feedback_are_captured_in_clickhouse(
    tutor_api: Api, course: TutorCourse
) -> None:
    learner = await tutor_api.account("student")
    session_id = await new_session(tutor_api.client, learner.headers, course.course_id)
    turn = await ask(tutor_api.client, learner.headers, session_id, "How do clouds form?")
    turn_id = turn.done["turn_id"]
    feedback = await tutor_api.client.post(
        f"/api/v1/tutor/sessions/{session_id}/turns/{turn_id}/feedback",
        json={"rating": "up", "comment": "clear, thanks! mail me at kid@example.org"},
        headers=learner.headers,
    )
    assert feedback.status_code == 202
    unknown = await tutor_api.client.post(
        f"/api/v1/tutor/sessions/{session_id}/turns/{session_id}/feedback",
        json={"rating": "up"},
        headers=learner.headers,
    )
    assert unknown.status_code == 404

    analytics = tutor_api.stores.analytics
    rows = await _eventually(
        analytics.query,
        "SELECT * FROM tutor_turns FINAL WHERE turn_id = {turn_id:UUID}",
        {"turn_id": turn_id},
    )
    [row] = rows
    assert row["question"] == "How do clouds form?"
    assert row["answer"] == turn.done["answer"]
    assert row["completion_tokens"] > 0 and row["latency_ms"] > 0
    assert len(row["retrieved_chunk_ids"]) >= 1
    support = turn.done["support"] or {"score": None, "supported": None, "basis": None}
    assert (row["support_score"], row["supported"], row["support_basis"]) == (
        pytest.approx(support["score"]) if support["score"] is not None else None,
        support["supported"],
        support["basis"],
    )
    assert {str(i) for i in row["cited_lesson_ids"]} == {
        c["lesson_id"] for c in turn.done["citations"]
    }
    [given] = await _eventually(
        analytics.query,
        "SELECT * FROM tutor_feedback FINAL WHERE turn_id = {turn_id:UUID}",
        {"turn_id": turn_id},
    )
    assert given["rating"] == "up"
    assert "kid@example.org" not in given["comment"] and "clear, thanks" in given["comment"]


async def _eventually(
    query: Callable[[str, dict[str, Any]], Awaitable[list[dict[str, Any]]]],
    sql: str,
    parameters: dict[str, Any],
) -> list[dict[str, Any]]:
    """The query's rows once the outbox relay has delivered them (it runs in the background)."""
    deadline = time.monotonic() + CAPTURE_TIMEOUT_SECONDS
    while not (rows := await query(sql, parameters)):
        assert time.monotonic() < deadline, f"nothing captured for {parameters}"
        await asyncio.sleep(0.5)
    return rows
