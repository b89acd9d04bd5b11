"""Real-time benchmark: each figure next to the bare library doing the same job, in the same run.
Prints one table built from a list of measurements (one function per measurement).

    .venv/bin/python bench/realtime.py [--subscribers 1000] [--messages 100] [--redis-url URL]
                                       [--database-url URL] [--deliveries 1000] [--concurrency 32]

Fan-out: two API processes (uvicorn, one worker each, as deployed) share one PostgreSQL and one
Redis. ``--subscribers`` WebSocket clients, spread over two client processes, are signed in to
process B and follow one class channel; a teacher posts ``--messages`` chat messages through
process A's HTTP API, one every 250 ms, after 3 unmeasured warm-up messages. Latency is from
sending the POST to the frame arriving at each subscriber (so it includes A's request: auth,
membership check, safety screen, the INSERT and the publish); p50 and p99 are over every
(message, subscriber) pair. Goal: p99 below
100 ms at 1,000 subscribers. Baseline: a bare Redis pub/sub round trip (``redis.asyncio``
PUBLISH to a SUBSCRIBE on another connection), one message at a time, on the same Redis.

Webhook dispatch: deliveries per second the dispatcher sends from the deliveries table (claim
and lease, sign, check the address, POST, log the attempt) to a bare receiver in its own
process, next to bare httpx POSTs of the same bodies with the same client settings, at the same
concurrency and at 8 in flight (bench/_webhooks.py). Goal: at least 0.8x bare.

Without --redis-url a redis-server is started on a free loopback port; without --database-url
an embedded PostgreSQL runs in a temporary directory (bench/tutor.py's ``bench_server``).
"""

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _webhooks import FEW_IN_FLIGHT, webhook_dispatch
from ports import free_port
from tutor import bench_server
from websockets.asyncio.client import ClientConnection, connect

from platform_api.auth.keys import load_or_create_signing_key

console = Console(width=None if sys.stdout.isatty() else 160)
PASSWORD = "benchmark password"
FANOUT_P99_GOAL_MS = 100.0
WEBHOOK_RATIO_GOAL = 0.8
POST_INTERVAL_SECONDS = 0.25
WARMUP_MESSAGES = 3  # first requests and connections of each process: not measured
CLIENT_PROCESSES = 2
ACCOUNTS = 8  # subscribers share these accounts (several tabs each)


@dataclass(frozen=True)
class Measurement:
    """One row: a figure of the platform next to the bare library's, measured in the same run."""

    name: str
    figure: str
    value: float
    bare_name: str
    bare_value: float
    goal: str = ""
    met: bool | None = None
    detail: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.bare_value if self.bare_value else float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# -- servers -------------------------------------------------------------------------------------


@contextmanager
def redis_server(url: str) -> Iterator[str]:
    """The given Redis, or a redis-server of the bench's own on a free loopback port."""
    if url:
        yield url
        return
    folder = Path(tempfile.mkdtemp(prefix="wc-bench-redis-"))
    port = free_port()
    command = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
    process = subprocess.Popen(
        [*command, "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 15
        while not _answers(port) and time.monotonic() < deadline:
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(30)
        shutil.rmtree(folder, ignore_errors=True)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(5) == b"+PONG"
    except OSError:
        return False


def api_process(
    database_url: str, redis_url: str, signing_key: Path, data_dir: Path
) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    environment = {
        **os.environ,
        "WC_DATABASE_URL": database_url,
        "WC_REDIS_URL": redis_url,
        "WC_JWT_PRIVATE_KEY_FILE": str(signing_key),
        "WC_DATA_DIR": str(data_dir),
        "WC_RATE_LIMIT_PER_MINUTE": "100000000",
        "WC_REALTIME_CHAT_MESSAGES_PER_MINUTE": "100000000",
        "WC_LOG_LEVEL": "WARNING",
        "WC_LOG_FORMAT": "console",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "platform_api.app:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    command += ["--ws-per-message-deflate", "false"]  # as `wc run` serves the API
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)
    return f"http://127.0.0.1:{port}", process


async def wait_ready(base_url: str) -> None:
    deadline = time.monotonic() + 120
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError(f"{base_url} never became ready")


@asynccontextmanager
async def two_api_processes(database_url: str, redis_url: str) -> AsyncIterator[tuple[str, str]]:
    workdir = Path(tempfile.mkdtemp(prefix="wc-bench-realtime-"))
    load_or_create_signing_key(None, workdir)  # one key: tokens work on either process
    signing_key = workdir / "keys" / "jwt-signing-key.pem"
    processes = []
    try:
        urls = []
        for name in ("a", "b"):  # one after the other: first starts share one-time setup
            url, process = api_process(database_url, redis_url, signing_key, workdir / name)
            processes.append(process)
            await wait_ready(url)
            urls.append(url)
        yield urls[0], urls[1]
    finally:
        for process in processes:
            process.terminate()
            process.wait(30)
        shutil.rmtree(workdir, ignore_errors=True)


# -- fan-out through two API processes -----------------------------------------------------------


async def sign_up(client: httpx.AsyncClient, role: str) -> tuple[str, dict[str, str]]:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
    body = {"email": email, "password": PASSWORD, "display_name": role, "role": role}
    if role == "student":
        body["birth_date"] = "2000-01-01"
    (await client.post("/api/v1/auth/register", json=body)).raise_for_status()
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    return email, {"Authorization": f"Bearer {login.raise_for_status().json()['access_token']}"}


async def seed_class(base_url: str) -> tuple[str, dict[str, str], list[str]]:
    """A class with learners enrolled: its id, the teacher's headers, the learners' tokens."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        _, teacher = await sign_up(client, "teacher")
        created = await client.post("/api/v1/classes", json={"name": "Bench"}, headers=teacher)
        class_id = created.raise_for_status().json()["id"]
        tokens = []
        for _ in range(ACCOUNTS):
            email, learner = await sign_up(client, "student")
            enrolled = await client.post(
                f"/api/v1/classes/{class_id}/students",
                json={"student_email": email},
                headers=teacher,
            )
            enrolled.raise_for_status()
            tokens.append(learner["Authorization"].removeprefix("Bearer "))
    return class_id, teacher, tokens


async def subscribed(ws_url: str, token: str, channel: str) -> ClientConnection:
    socket = await connect(ws_url, open_timeout=60, max_size=None)
    await socket.send(json.dumps({"type": "auth", "token": token}))
    await socket.send(json.dumps({"type": "subscribe", "channel": channel}))
    while json.loads(await socket.recv())["type"] != "subscribed":
        pass
    return socket


async def collect(socket: ClientConnection, arrivals: list[tuple[float, str]]) -> None:
    async for text in socket:
        arrivals.append((time.monotonic(), str(text)))


async def subscriber_work(ws_url: str, tokens: list[str], channel: str, pipe: Connection) -> None:
    sockets = []
    for start in range(0, len(tokens), 50):  # in batches: a burst of handshakes is not the test
        sockets += await asyncio.gather(
            *(subscribed(ws_url, token, channel) for token in tokens[start : start + 50])
        )
    arrivals: list[tuple[float, str]] = []
    readers = [asyncio.create_task(collect(socket, arrivals)) for socket in sockets]
    pipe.send("ready")
    await asyncio.to_thread(pipe.recv)  # "stop"
    for reader in readers:
        reader.cancel()
    for connection in sockets:
        await connection.close()
    chats = [
        (arrived, frame["message"]["id"])
        for arrived, frame in ((a, json.loads(text)) for a, text in arrivals)
        if frame["type"] == "chat.message"
    ]
    pipe.send(chats)


def subscriber_process(ws_url: str, tokens: list[str], channel: str, pipe: Connection) -> None:
    """A client process holding some of the subscribers (one loop alone would be the bottleneck)."""
    asyncio.run(subscriber_work(ws_url, tokens, channel, pipe))


async def post_messages(
    base_url: str, class_id: str, teacher: dict[str, str], count: int
) -> dict[str, float]:
    """Post one message every POST_INTERVAL_SECONDS; when each POST was sent, by message id."""
    posted = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        for n in range(count):
            started = time.monotonic()
            response = await client.post(
                f"/api/v1/classes/{class_id}/messages",
                json={"text": f"Message {n}: the river reaches the sea."},
                headers=teacher,
            )
            posted[response.raise_for_status().json()["id"]] = started
            await asyncio.sleep(POST_INTERVAL_SECONDS)
    return posted


async def fanout_latencies(
    database_url: str, redis_url: str, subscribers: int, messages: int
) -> tuple[list[float], int]:
    """Latencies (ms) of every (message, subscriber) pair, and how many pairs never arrived."""
    async with two_api_processes(database_url, redis_url) as (a, b):
        class_id, teacher, tokens = await seed_class(a)
        ws_url = b.replace("http://", "ws://") + "/api/v1/ws"
        spread = list(itertools.islice(itertools.cycle(tokens), subscribers))
        context = multiprocessing.get_context("spawn")
        workers = []
        for share in range(CLIENT_PROCESSES):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=subscriber_process,
                args=(ws_url, spread[share::CLIENT_PROCESSES], f"class:{class_id}", theirs),
            )
            process.start()
            workers.append((process, ours))
        for _, pipe in workers:
            await asyncio.to_thread(pipe.recv)  # "ready"
        await post_messages(a, class_id, teacher, WARMUP_MESSAGES)
        posted = await post_messages(a, class_id, teacher, messages)
        await asyncio.sleep(1.0)
        latencies: list[float] = []
        for process, pipe in workers:
            pipe.send("stop")
            arrivals = await asyncio.to_thread(pipe.recv)
            latencies += [(arrived - posted[m]) * 1000 for arrived, m in arrivals if m in posted]
            process.join(30)
    return latencies, subscribers * messages - len(latencies)


async def bare_pubsub_latencies(redis_url: str, count: int) -> list[float]:
    """PUBLISH on one connection to a SUBSCRIBE on another, one message at a time (ms)."""
    publisher, listener = Redis.from_url(redis_url), Redis.from_url(redis_url)
    pubsub = listener.pubsub(ignore_subscribe_messages=True)
    channel = f"bench:{uuid.uuid4().hex}"
    await pubsub.subscribe(channel)
    await pubsub.get_message(timeout=1)
    latencies = []
    try:
        for n in range(count):
            started = time.monotonic()
            await publisher.publish(channel, f"message {n}")
            while await pubsub.get_message(ignore_subscribe_messages=True, timeout=5) is None:
                pass
            latencies.append((time.monotonic() - started) * 1000)
    finally:
        await pubsub.aclose()
        await publisher.aclose()
        await listener.aclose()
    return latencies


async def measure_fanout(
    database_url: str, redis_url: str, subscribers: int, messages: int
) -> list[Measurement]:
    async with bench_server(database_url or None) as server:
        latencies, lost = await fanout_latencies(server.url, redis_url, subscribers, messages)
    bare = await bare_pubsub_latencies(redis_url, max(1000, messages))
    name = f"fan-out to {subscribers:,} WebSockets, 2 processes"
    bare_name = "redis.asyncio pub/sub round trip"
    detail = f"{messages} messages, {len(latencies):,} deliveries, {lost} lost"
    p99 = percentile(latencies, 0.99)
    return [
        Measurement(
            name,
            "p50 ms",
            statistics.median(latencies),
            bare_name,
            statistics.median(bare),
            detail=detail,
        ),
        Measurement(
            name,
            "p99 ms",
            p99,
            bare_name,
            percentile(bare, 0.99),
            goal=f"< {FANOUT_P99_GOAL_MS:.0f} ms",
            met=p99 < FANOUT_P99_GOAL_MS and lost == 0,
            detail=detail,
        ),
    ]


async def measure_webhooks(
    database_url: str, deliveries: int, concurrency: int
) -> list[Measurement]:
    """Webhook deliveries per second from the deliveries table (bench/_webhooks.py)."""
    async with bench_server(database_url or None) as server:
        figures = await webhook_dispatch(server.url, deliveries, concurrency)
    name = f"webhook dispatch, {concurrency} in flight"
    detail = (
        f"{deliveries:,} deliveries a round, medians of 3 rounds; the bare client at "
        f"{FEW_IN_FLIGHT} in flight: {figures.bare_few_per_second:,.0f}/s"
    )
    return [
        Measurement(
            name,
            "deliveries/s",
            figures.platform_per_second,
            f"httpx POSTs, {concurrency} in flight",
            figures.bare_per_second,
            goal=f">= {WEBHOOK_RATIO_GOAL}x bare",
            met=figures.ratio >= WEBHOOK_RATIO_GOAL,
            detail=detail,
        ),
        Measurement(
            name,
            "deliveries/s",
            figures.platform_per_second,
            f"httpx POSTs, {FEW_IN_FLIGHT} in flight",
            figures.bare_few_per_second,
            goal=f">= {WEBHOOK_RATIO_GOAL}x bare",
            met=figures.platform_per_second >= WEBHOOK_RATIO_GOAL * figures.bare_few_per_second,
        ),
    ]


# -- the table -----------------------------------------------------------------------------------


def print_table(measurements: list[Measurement]) -> None:
    table = Table(title="Real time, each figure next to the bare library in the same run")
    for column in (
        "measurement",
        "figure",
        "value",
        "bare",
        "bare value",
        "vs bare",
        "goal",
        "met",
    ):
        table.add_column(column, justify="left" if column in ("measurement", "bare") else "right")
    for m in measurements:
        met = "" if m.met is None else ("yes" if m.met else "NO")
        table.add_row(
            m.name,
            m.figure,
            f"{m.value:,.1f}",
            m.bare_name,
            f"{m.bare_value:,.2f}",
            f"{m.ratio:,.1f}×",
            m.goal,
            met,
        )
    console.print(table)
    for detail in dict.fromkeys(m.detail for m in measurements if m.detail):
        console.print(f"  {detail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--deliveries", type=int, default=1000, help="webhooks per round")
    parser.add_argument("--concurrency", type=int, default=32, help="webhook POSTs in flight")
    parser.add_argument("--redis-url", default="", help="else a redis-server of its own")
    parser.add_argument("--database-url", default="", help="PostgreSQL server (else embedded)")
    args = parser.parse_args()
    measurements: list[Measurement] = []
    with redis_server(args.redis_url) as redis_url:
        measurements += asyncio.run(
            measure_fanout(args.database_url, redis_url, args.subscribers, args.messages)
        )
    measurements += asyncio.run(
        measure_webhooks(args.database_url, args.deliveries, args.concurrency)
    )
    print_table(measurements)


if __name__ == "__main__":
    main()
