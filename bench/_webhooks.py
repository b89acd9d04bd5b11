"""Webhook dispatch throughput: deliveries per second from the webhooks' outbox (the deliveries
table), next to bare HTTP POSTs of the same bodies with the same httpx client settings.

The platform path is the dispatcher as the API runs it: claim a batch with SKIP LOCKED and lease
it, sign each body (HMAC-SHA256, the secret opened from its AES-GCM seal), check the target's
address, POST, then log every attempt and mark the deliveries delivered, ``concurrency`` at a
time. The bare path POSTs the same bodies with ``concurrency`` workers and nothing else. The
receiver is a bare ASGI app in its own uvicorn process; both paths hit it in the same run.
"""

import asyncio
import json
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from ports import free_port
from sqlalchemy import func, select

from core.encryption import AesGcmCipher, new_key_text
from core.infra.bus import Event
from core.infra.database import Database, utcnow
from platform_api.auth.models import Role, User
from platform_api.webhooks.dispatcher import RetryPolicy, WebhookDispatcher
from platform_api.webhooks.fanout import queue_deliveries
from platform_api.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from platform_api.webhooks.secret_box import SecretBox
from platform_api.webhooks.sender import WebhookSender
from platform_api.webhooks.signing import new_secret
from platform_api.webhooks.targets import parse_networks

BENCH_DIR = Path(__file__).resolve().parent
HEADERS = {"Content-Type": "application/json"}
# httpx's connection pool slows down with many requests in flight: the bare client is also timed
# at this concurrency, its best on this machine, as a second bar.
FEW_IN_FLIGHT = 8
LOOPBACK = parse_networks(["127.0.0.1/32"])
SAMPLE_DATA = {
    "schema_version": 1,
    "sitting_id": str(uuid.uuid4()),
    "score": 3.0,
    "max_score": 4.0,
    "assignment_title": "Forces test",
}


@dataclass(frozen=True)
class DispatchFigures:
    deliveries: int
    concurrency: int
    platform_per_second: float
    bare_per_second: float  # the same client settings, the same concurrency
    bare_few_per_second: float  # the bare client at FEW_IN_FLIGHT, where httpx's pool is fastest

    @property
    def ratio(self) -> float:
        return self.platform_per_second / self.bare_per_second


@contextmanager
def receiver() -> Iterator[str]:
    """The bare receiver in a uvicorn process on loopback; its hook URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "_hook_receiver:app",
            "--app-dir",
            str(BENCH_DIR),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the webhook receiver exited at start")
        try:
            httpx.post(f"http://127.0.0.1:{port}/hook", content=b"{}", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the webhook receiver did not start")


async def _subscription(database: Database, box: SecretBox, url: str) -> uuid.UUID:
    async with database.session() as session:
        owner = User(
            id=uuid.uuid4(),
            email=f"bench-{uuid.uuid4().hex[:8]}@example.org",
            display_name="Bench",
            role=Role.ADMIN,
            password_hash="-",
        )
        session.add(owner)
        subscription_id = uuid.uuid4()
        session.add(
            WebhookSubscription(
                id=subscription_id,
                owner_id=owner.id,
                platform_wide=True,
                url=url,
                description="bench",
                event_types=["assessment.graded"],
                enabled=True,
                sealed_secret=box.seal(subscription_id, new_secret(), "current"),
                created_at=utcnow(),
            )
        )
        await session.commit()
    return subscription_id


async def _queue(database: Database, subscription_id: uuid.UUID, count: int) -> None:
    async with database.session() as session:
        for _ in range(count):
            event = Event(type="assessment.graded", payload=SAMPLE_DATA)
            await queue_deliveries(session, [subscription_id], event, SAMPLE_DATA, 3)
        await session.commit()


async def _delivered(database: Database, subscription_id: uuid.UUID) -> int:
    async with database.session() as session:
        done = await session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(
                WebhookDelivery.subscription_id == subscription_id,
                WebhookDelivery.status == DeliveryStatus.DELIVERED,
            )
        )
    return done or 0


class PlatformPath:
    """The dispatcher of one process on the bench's database, one subscription to the receiver."""

    def __init__(self, database_url: str, url: str, concurrency: int) -> None:
        self.database = Database(database_url)
        self.box = SecretBox(AesGcmCipher.from_texts(new_key_text()))
        self.sender = WebhookSender(LOOPBACK, 10.0, max_connections=concurrency)
        self.dispatcher = WebhookDispatcher(
            self.database,
            self.sender,
            self.box,
            RetryPolicy(3, 1.0, 10.0, 3600.0, 10.0),
            concurrency=concurrency,
            poll_seconds=1.0,
        )
        self.url = url

    async def rate(self, count: int) -> float:
        """Queue ``count`` deliveries, then time the dispatcher sending them all."""
        subscription_id = await _subscription(self.database, self.box, self.url)
        await _queue(self.database, subscription_id, count)
        started = time.perf_counter()
        await self.dispatcher.drain()
        seconds = time.perf_counter() - started
        delivered = await _delivered(self.database, subscription_id)
        assert delivered == count, f"{delivered} of {count} delivered"
        return count / seconds

    async def close(self) -> None:
        await self.sender.close()
        await self.database.close()


async def bare_rate(url: str, count: int, concurrency: int) -> float:
    envelope = {
        "id": str(uuid.uuid4()),
        "type": "assessment.graded",
        "occurred_at": utcnow().isoformat(),
        "data": SAMPLE_DATA,
    }
    body = json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=64)
    async with httpx.AsyncClient(timeout=10.0, trust_env=False, limits=limits) as client:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for number in range(count):
            queue.put_nowait(number)

        async def worker() -> None:
            while not queue.empty():
                queue.get_nowait()
                response = await client.post(url, content=body, headers=HEADERS)
                response.raise_for_status()

        await asyncio.gather(*(client.post(url, content=body) for _ in range(concurrency)))  # warm
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return count / (time.perf_counter() - started)


async def webhook_dispatch(
    database_url: str, count: int = 1000, concurrency: int = 32, rounds: int = 3
) -> DispatchFigures:
    """Bare and platform rounds in turn against one receiver (after one warm round of each);
    the medians."""
    bare: list[float] = []
    bare_few: list[float] = []
    platform: list[float] = []
    with receiver() as url:
        path = PlatformPath(database_url, url, concurrency)
        try:
            await bare_rate(url, concurrency, concurrency)
            await path.rate(concurrency)
            for _ in range(rounds):
                bare.append(await bare_rate(url, count, concurrency))
                bare_few.append(await bare_rate(url, count, FEW_IN_FLIGHT))
                platform.append(await path.rate(count))
        finally:
            await path.close()
    return DispatchFigures(
        count,
        concurrency,
        statistics.median(platform),
        statistics.median(bare),
        statistics.median(bare_few),
    )
