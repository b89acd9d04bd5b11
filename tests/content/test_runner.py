"""The runner's account of what a restarted worker lost, and what it does when Ray does not
start (pure: no Ray, no database)."""

import asyncio
import uuid
from typing import cast

import pytest

from agents.content.settings import ContentSettings
from core.infra.database import Database
from platform_api.content import runner
from platform_api.content.runner import ContentRunner, InFlight, Ping, lost_to_restart
from platform_api.content.store import Claim
from platform_api.content.worker import WorkerConfig


def sent(worker: int, at: float) -> InFlight:
    return InFlight(Claim(uuid.uuid4(), uuid.uuid4(), uuid.uuid4()), None, worker, at)


async def test_a_restarted_worker_lost_what_it_held_before_its_new_process_answered() -> None:
    held_before = sent(0, at=10.0)
    queued_after = sent(0, at=20.0)
    other_worker = sent(1, at=10.0)
    ping = Ping(worker=0, sent_at=15.0, answer=asyncio.get_running_loop().create_future())

    lost = lost_to_restart([held_before, queued_after, other_worker], ping)

    assert lost == [held_before]


class FirstStartFails(ContentRunner):
    """A runner whose first Ray start fails as a loaded machine's does (no Ray is started here:
    what is tested is what the runner does after the failure)."""

    def __init__(self) -> None:
        config = WorkerConfig(
            database_url="",
            llm_base_url="",
            llm_model="",
            llm_api_key="",
            content=ContentSettings(),
        )
        super().__init__(cast(Database, None), config)
        self.starts = 0

    def start_workers(self) -> None:
        self.starts += 1
        if self.starts == 1:
            raise Exception("The current node timed out during startup.")


async def test_a_failed_ray_start_is_cleaned_up_and_tried_again_later(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    stopped: list[bool] = []
    monkeypatch.setattr(runner, "stop_ray", lambda: stopped.append(True))
    monkeypatch.setattr(runner, "RAY_RETRY_BASE_SECONDS", 0.01)
    flaky = FirstStartFails()

    assert await flaky._start_workers_or_wait() is False
    assert stopped == [True]
    [warning] = caplog.records
    assert warning.getMessage().startswith("ray did not start; trying again")
    assert "timed out during startup" in warning.__dict__["error"]
    assert await flaky._start_workers_or_wait() is True
    assert flaky.starts == 2
