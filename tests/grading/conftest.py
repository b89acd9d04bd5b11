"""Grading tests: the real app on a fresh database, the learner and teacher it grades for."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.app import Account, Api, make_settings, running_api
from tests.grading.factories import Classroom, make_classroom

# Few retries with the in-process bus's short back-off: a poisoned step dead-letters in ~1 s.
FAST_FAILING_ATTEMPTS = "3"


@dataclass
class GradingWorld:
    api: Api
    teacher: Account
    learner: Account
    room: Classroom


async def world_of(api: Api) -> GradingWorld:
    teacher, learner = await api.account("teacher"), await api.account("student")
    async with api.stores.database.session() as session:
        room = await make_classroom(session, teacher.id, learner.id)
    return GradingWorld(api, teacher, learner, room)


AppFactory = Callable[..., Any]


@pytest.fixture
def grading_app(
    database_url_for_test: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AppFactory:
    """Start the app (again) on one test database: ``async with grading_app(**settings)``."""

    @asynccontextmanager
    async def start(
        max_attempts: str = FAST_FAILING_ATTEMPTS, **overrides: Any
    ) -> AsyncIterator[Api]:
        monkeypatch.setenv("WC_GRADING_MAX_ATTEMPTS", max_attempts)
        settings = make_settings(database_url_for_test, tmp_path, **overrides)
        async for api in running_api(settings):
            yield api

    return start
