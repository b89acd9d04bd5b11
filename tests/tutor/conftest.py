"""A live API (uvicorn on loopback, so SSE streams and disconnects are real) wired to the test
LLM application, and a small ingested course with an exercise whose answer is stored."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from core.curriculum.models import AssessmentItem, ItemKind
from core.infra.database import Database
from core.settings import Settings
from platform_api.app import create_app
from rag.ingest import ingest_course
from tests.fixtures.app import Api, make_settings
from tests.fixtures.llm import LlmServer
from tests.fixtures.postgres import free_port
from tests.rag.factories import LessonSpec, make_course

EVAPORATION = LessonSpec(
    title="Evaporation",
    body=(
        "Evaporation turns liquid water into water vapour. The sun's energy heats oceans, lakes "
        "and ponds, and the warmest molecules escape into the air. Warm, dry and windy days "
        "evaporate water fastest.\n\n"
        "## Worked example\n\n"
        "A tank holds 900 liters and loses 100 liters a day to evaporation, so it is empty "
        "after 900 / 100 = 9 days."
    ),
    source_key="m10001",
)
CONDENSATION = LessonSpec(
    title="Condensation and clouds",
    body=(
        "When water vapour rises it cools, and condenses on tiny dust particles into droplets. "
        "Billions of droplets together form a cloud. Dew on grass in the morning is "
        "condensation too."
    ),
    source_key="m10002",
)
GROUNDWATER = LessonSpec(
    title="Groundwater and aquifers",
    body=(
        "Rain that soaks into the ground fills the spaces between rocks and soil grains. "
        "A layer of rock that holds water is an aquifer; wells pump groundwater from aquifers."
    ),
    source_key="m10003",
)
POND_EXERCISE = (
    "A pond holds 1,200 liters of water and loses 150 liters each day to evaporation. "
    "How many days does it take until the pond is empty?"
)
POND_ANSWER = "8"
POND_SOLUTION = (
    "Divide the volume by the daily loss: 1,200 / 150 = 8. The pond is empty after 8 days."
)


@dataclass
class TutorCourse:
    course_id: uuid.UUID
    lesson_ids: list[uuid.UUID]
    exercise_id: uuid.UUID


async def make_tutor_course(database: Database) -> TutorCourse:
    async with database.session() as session:
        record = await make_course(
            session, "The water cycle", [EVAPORATION, CONDENSATION, GROUNDWATER], "Water on Earth"
        )
        item = AssessmentItem(
            lesson_id=record.lesson_ids[0],
            course_id=record.course_id,
            kind=ItemKind.FREE_RESPONSE,
            prompt=POND_EXERCISE,
            answer=POND_ANSWER,
            solution=POND_SOLUTION,
        )
        session.add(item)
        await session.commit()
    await ingest_course(database, record.course_id)
    return TutorCourse(record.course_id, record.lesson_ids, item.id)


async def live_api(settings: Settings, port: int | None = None) -> AsyncIterator[Api]:
    """The app behind a real HTTP server on a loopback port (a free one unless given)."""
    app = create_app(settings)
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            yield Api(app, client, settings)
    finally:
        server.should_exit = True
        await task


def tutor_settings(
    database_url: str, data_dir: Path, llm_server: LlmServer, **overrides: Any
) -> Settings:
    return make_settings(
        database_url,
        data_dir,
        llm_base_url=llm_server.base_url,
        llm_model=llm_server.model,
        **overrides,
    )


@pytest.fixture
async def tutor_api(
    database_url_for_test: str, tmp_path: Path, llm_server: LlmServer
) -> AsyncIterator[Api]:
    async for api in live_api(tutor_settings(database_url_for_test, tmp_path, llm_server)):
        yield api


@pytest.fixture
async def course(tutor_api: Api) -> TutorCourse:
    return await make_tutor_course(tutor_api.stores.database)


LONG_QUESTION = "Explain evaporation, condensation and groundwater in great detail."


@pytest.fixture
async def long_answer_api(
    monkeypatch: pytest.MonkeyPatch,
    database_url_for_test: str,
    tmp_path: Path,
    llm_server: LlmServer,
) -> AsyncIterator[Api]:
    """An API whose tutor may write long answers: generation outlasts the cancelling client."""
    monkeypatch.setenv("WC_TUTOR_MAX_ANSWER_TOKENS", "1500")
    async for api in live_api(tutor_settings(database_url_for_test, tmp_path, llm_server)):
        yield api


async def explained_course(api: Api) -> TutorCourse:
    """The tutor course, in explain mode (set by an admin)."""
    course = await make_tutor_course(api.stores.database)
    policy = await api.client.put(
        f"/api/v1/courses/{course.course_id}/tutor-policy",
        json={"mode": "explain"},
        headers=(await api.account("admin")).headers,
    )
    assert policy.status_code == 200, policy.text
    return course
