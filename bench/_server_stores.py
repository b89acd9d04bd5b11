"""The server stores of a production install, private to one benchmark run, on loopback: the bundled
PostgreSQL (+ pgvector) on a TCP port, Redis, RabbitMQ and an S3 server (SeaweedFS). Started the
way the tests start them (tests/fixtures), each in its own folder, each stopped at the end.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.fixtures.postgres import (
    database_url,
    free_port,
    start_bundled_postgres_on_tcp,
    stop_bundled_postgres,
)
from tests.fixtures.servers import (
    LOOPBACK,
    amqp_answers,
    rabbitmq_environment,
    rabbitmq_server_command,
    redis_answers,
    s3_answers,
    start_process,
    stop_process,
    wait_until,
    weed_mini_command,
)


@dataclass(frozen=True)
class ServerStores:
    database_url: str
    redis_url: str
    amqp_url: str
    s3_endpoint_url: str
    s3_access_key: str
    s3_secret_key: str

    def environment(self) -> dict[str, str]:
        """The platform's settings that point it at these servers."""
        return {
            "WC_DATABASE_URL": self.database_url,
            "WC_REDIS_URL": self.redis_url,
            "WC_AMQP_URL": self.amqp_url,
            "WC_S3_ENDPOINT_URL": self.s3_endpoint_url,
            "WC_S3_ACCESS_KEY": self.s3_access_key,
            "WC_S3_SECRET_KEY": self.s3_secret_key,
        }


@contextmanager
def _postgres(folder: Path) -> Iterator[str]:
    # As the tests start it: fsync off (the benchmark measures the platform, not this disk).
    server_url, pgdata = start_bundled_postgres_on_tcp(folder)
    try:
        yield database_url(server_url, "water_classroom")
    finally:
        stop_bundled_postgres(pgdata)


@contextmanager
def _redis(folder: Path) -> Iterator[str]:
    port = free_port()
    command = ["redis-server", "--bind", LOOPBACK, "--port", str(port), "--save", ""]
    log = folder / "redis.log"
    process = start_process([*command, "--appendonly", "no", "--dir", str(folder)], log)
    try:
        wait_until(lambda: redis_answers(port), process, "redis-server", 15, log)
        yield f"redis://{LOOPBACK}:{port}/0"
    finally:
        stop_process(process)


@contextmanager
def _rabbitmq(folder: Path) -> Iterator[str]:
    port = free_port()
    log = folder / "rabbitmq.out"
    environment = rabbitmq_environment(folder, port)
    process = start_process([rabbitmq_server_command()], log, env=environment, cwd=folder)
    try:
        wait_until(lambda: amqp_answers(port), process, "rabbitmq-server", 180, log)
        yield f"amqp://guest:guest@{LOOPBACK}:{port}/"
    finally:
        stop_process(process, timeout=30)


@contextmanager
def _s3(folder: Path) -> Iterator[tuple[str, str, str]]:
    port = free_port()
    access_key, secret_key = f"wc-bench-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
    }
    log = folder / "weed.log"
    process = start_process(weed_mini_command(folder, port), log, env=environment, cwd=folder)
    try:
        wait_until(lambda: s3_answers(port), process, "weed mini (S3)", 30, log)
        yield f"http://{LOOPBACK}:{port}", access_key, secret_key
    finally:
        stop_process(process)


@contextmanager
def server_stores(workdir: Path) -> Iterator[ServerStores]:
    """Every server store started under ``workdir``; all stopped when the block ends."""
    with ExitStack() as stack:
        folders = {name: workdir / name for name in ("postgres", "redis", "rabbitmq", "s3")}
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        database_url = stack.enter_context(_postgres(folders["postgres"]))
        redis_url = stack.enter_context(_redis(folders["redis"]))
        amqp_url = stack.enter_context(_rabbitmq(folders["rabbitmq"]))
        s3_url, access_key, secret_key = stack.enter_context(_s3(folders["s3"]))
        yield ServerStores(database_url, redis_url, amqp_url, s3_url, access_key, secret_key)
