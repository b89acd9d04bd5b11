"""The tutor knows what the learner has not mastered yet: the learner context names their weak
objectives, and the prompt the LLM application receives asks to connect the answer to them.

The LLM is reached through a loopback proxy that keeps the bytes of every request, so the test
reads the prompt as the model got it, not as the graph meant to send it.
"""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from agents.tutor.policy import weak_objectives_rule
from core.curriculum.models import LearningObjective
from core.infra.database import Database
from platform_api.mastery.models import MasteryState
from platform_api.mastery.weakness import weak_objectives
from tests.fixtures.app import Api, make_settings
from tests.fixtures.llm import LlmServer
from tests.fixtures.tcp_proxy import CHUNK, TcpProxy
from tests.tutor.conftest import live_api, make_tutor_course
from tests.tutor.sse import ask, new_session

WEAK = "Explain why warm dry windy days evaporate water fastest"
MASTERED = "Describe how dew forms on grass"
UNANSWERED = "Name the rock layer that holds groundwater"
QUESTION = "How does the sun make water evaporate?"


class RecordingProxy(TcpProxy):
    """A TcpProxy that also keeps every byte its clients sent upstream."""

    def __init__(self, target_host: str, target_port: int) -> None:
        super().__init__(target_host, target_port)
        self.sent = bytearray()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = writer.get_extra_info("peername")[1] == self.target_port
        with contextlib.suppress(OSError):
            while data := await reader.read(CHUNK):
                if upstream:
                    self.sent += data
                writer.write(data)
                await writer.drain()
        writer.transport.abort()


@pytest.fixture
async def recorded_llm(llm_server: LlmServer) -> AsyncIterator[tuple[RecordingProxy, str]]:
    target = httpx.URL(llm_server.base_url)
    proxy = RecordingProxy(target.host, target.port or 80)
    await proxy.start()
    try:
        yield proxy, f"http://{proxy.host}:{proxy.port}{target.path}"
    finally:
        await proxy.stop()


@pytest.fixture
async def recorded_api(
    database_url_for_test: str,
    tmp_path: Path,
    llm_server: LlmServer,
    recorded_llm: tuple[RecordingProxy, str],
) -> AsyncIterator[Api]:
    settings = make_settings(
        database_url_for_test,
        tmp_path,
        llm_base_url=recorded_llm[1],
        llm_model=llm_server.model,
    )
    async for api in live_api(settings):
        yield api


async def _objectives(
    database: Database, course_id: uuid.UUID, lesson_ids: list[uuid.UUID], learner_id: uuid.UUID
) -> None:
    """Three objectives of the course: one weak, one mastered, one never answered."""
    async with database.session() as session:
        for position, (text, p_known, answers) in enumerate(
            [(WEAK, 0.2, 3), (MASTERED, 0.97, 4), (UNANSWERED, 0.1, 0)]
        ):
            objective = LearningObjective(
                course_id=course_id, lesson_id=lesson_ids[position], position=0, text=text
            )
            session.add(objective)
            await session.flush()
            session.add(
                MasteryState(
                    learner_id=learner_id,
                    objective_id=objective.id,
                    p_known=p_known,
                    answers=answers,
                    correct=answers // 2,
                )
            )
        await session.commit()


async def test_the_prompt_names_the_learners_weak_objective(
    recorded_api: Api, recorded_llm: tuple[RecordingProxy, str]
) -> None:
    proxy, _ = recorded_llm
    database = recorded_api.stores.database
    course = await make_tutor_course(database)
    learner, classmate = await recorded_api.account("student"), await recorded_api.account()
    await _objectives(database, course.course_id, course.lesson_ids, learner.id)
    async with database.session() as session:
        weak = await weak_objectives(session, learner.id, course.course_id, 3)
        assert [w.text for w in weak] == [WEAK]
        assert await weak_objectives(session, classmate.id, course.course_id, 3) == []

    session_id = await new_session(recorded_api.client, learner.headers, course.course_id)
    turn = await ask(recorded_api.client, learner.headers, session_id, QUESTION)
    assert turn.status == 200, turn.error
    assert turn.done["intent"] in ("content_question", "homework_help"), turn.done
    sent = proxy.sent.decode("utf-8", errors="replace")
    assert weak_objectives_rule([WEAK]) in sent, sent[-3000:]
    assert MASTERED not in sent and UNANSWERED not in sent

    # The same question from a learner with no graded answers: no such instruction.
    proxy.sent.clear()
    other = await new_session(recorded_api.client, classmate.headers, course.course_id)
    again = await ask(recorded_api.client, classmate.headers, other, QUESTION)
    assert again.status == 200, again.error
    sent = proxy.sent.decode("utf-8", errors="replace")
    assert "/chat/completions" in sent and "still working on" not in sent
