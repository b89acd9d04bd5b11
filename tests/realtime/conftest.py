"""Two API processes (uvicorn, as deployed) on one PostgreSQL database and one Redis, and the
people of a class signed in on them."""

import asyncio
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from platform_api.auth.keys import load_or_create_signing_key
from tests.fixtures.app import PASSWORD
from tests.fixtures.postgres import create_test_database, free_port
from tests.fixtures.servers import start_process, stop_process

PRESENCE_TTL_SECONDS = 1.0
SEND_QUEUE_FRAMES = 16
START_TIMEOUT_SECONDS = 90.0


@dataclass(frozen=True)
class Person:
    id: str
    email: str
    access_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@dataclass(frozen=True)
class LiveApi:
    base_url: str
    database_url: str
    log: Path
    pid: int

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/api/v1/ws"

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, timeout=30)


@dataclass(frozen=True)
class People:
    teacher: Person
    learners: tuple[Person, Person, Person]
    outsider: Person


def api_environment(
    database_url: str, redis_url: str, signing_key: Path, data_dir: Path
) -> dict[str, str]:
    return {
        **os.environ,
        "WC_DATABASE_URL": database_url,
        "WC_JWT_PRIVATE_KEY_FILE": str(signing_key),
        "WC_REDIS_URL": redis_url,
        "WC_DATA_DIR": str(data_dir),
        "WC_LOG_FORMAT": "console",
        "WC_LOG_LEVEL": "INFO",
        "WC_RATE_LIMIT_PER_MINUTE": "1000000",
        "WC_LOGIN_RATE_LIMIT_PER_MINUTE": "100000",
        "WC_OUTBOX_POLL_SECONDS": "0.05",
        "WC_REALTIME_PRESENCE_TTL_SECONDS": str(PRESENCE_TTL_SECONDS),
        "WC_REALTIME_SEND_QUEUE_FRAMES": str(SEND_QUEUE_FRAMES),
        "WC_REALTIME_CHAT_MESSAGES_PER_MINUTE": "100000",
    }


def start_api(environment: dict[str, str], folder: Path) -> tuple[LiveApi, Any]:
    port, log = free_port(), folder / "api.log"
    command = [sys.executable, "-m", "uvicorn", "--factory", "platform_api.app:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    process = start_process(command, log, environment)
    api = LiveApi(f"http://127.0.0.1:{port}", environment["WC_DATABASE_URL"], log, process.pid)
    return api, process


async def wait_ready(api: LiveApi, process: Any) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    async with api.client() as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the API did not start; see {api.log}:\n{api.log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
async def two_apis(
    postgres_server_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[LiveApi, LiveApi]]:
    database_url = await create_test_database(postgres_server_url)
    # One key signs every process's access tokens, as in a deployment.
    shared = tmp_path_factory.mktemp("shared")
    load_or_create_signing_key(None, shared)
    signing_key = shared / "keys" / "jwt-signing-key.pem"
    started = []
    try:
        # Together, as replicas start: their schema changes take turns (core/infra/schema_lock).
        for name in ("a", "b"):
            folder = tmp_path_factory.mktemp(f"api-{name}")
            environment = api_environment(database_url, redis_url, signing_key, folder)
            started.append(start_api(environment, folder))
        await asyncio.gather(*(wait_ready(*api) for api in started))
        yield started[0][0], started[1][0]
    finally:
        for _, process in started:
            stop_process(process)


async def sign_up(client: httpx.AsyncClient, role: str) -> Person:
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.org"
    body = {"email": email, "password": PASSWORD, "display_name": f"A {role}", "role": role}
    if role == "student":
        body["birth_date"] = "2000-01-01"
    registered = await client.post("/api/v1/auth/register", json=body)
    assert registered.status_code == 201, registered.text
    tokens = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    return Person(registered.json()["user"]["id"], email, tokens.json()["access_token"])


@pytest.fixture(scope="module")
async def people(two_apis: tuple[LiveApi, LiveApi]) -> People:
    async with two_apis[0].client() as client:
        found = await asyncio.gather(
            sign_up(client, "teacher"), *(sign_up(client, "student") for _ in range(4))
        )
    teacher, first, second, third, outsider = found
    return People(teacher, (first, second, third), outsider)


@pytest.fixture
async def class_id(two_apis: tuple[LiveApi, LiveApi], people: People) -> str:
    """A fresh class of the teacher, with the three learners enrolled."""
    async with two_apis[1].client() as client:
        created = await client.post(
            "/api/v1/classes", json={"name": "Water cycle"}, headers=people.teacher.headers
        )
        assert created.status_code == 201, created.text
        for learner in people.learners:
            enrolled = await client.post(
                f"/api/v1/classes/{created.json()['id']}/students",
                json={"student_email": learner.email},
                headers=people.teacher.headers,
            )
            assert enrolled.status_code == 200, enrolled.text
    return str(created.json()["id"])
