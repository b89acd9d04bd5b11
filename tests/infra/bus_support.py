"""Helpers shared by the event-bus and outbox tests: polling, and a RabbitMQ bus behind a proxy."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

import aio_pika

from core.infra.bus.rabbitmq import RabbitMqBus
from tests.fixtures.tcp_proxy import TcpProxy


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], within_seconds: float = 10.0
) -> None:
    """Poll ``check`` until it is true; fail after ``within_seconds``."""
    deadline = asyncio.get_running_loop().time() + within_seconds
    while True:
        outcome = check()
        if outcome if isinstance(outcome, bool) else await outcome:
            return
        assert asyncio.get_running_loop().time() < deadline, f"not true within {within_seconds} s"
        await asyncio.sleep(0.01)


def through_proxy(amqp_url: str, proxy: TcpProxy) -> str:
    parts = urlsplit(amqp_url)
    credentials = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=f"{credentials}@{proxy.host}:{proxy.port}"))


async def proxied_rabbitmq(amqp_url: str) -> tuple[RabbitMqBus, TcpProxy, str]:
    """A started bus on a fresh exchange, connected through a fresh proxy; returns the exchange."""
    target = urlsplit(amqp_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5672)
    await proxy.start()
    exchange = f"wc.test.{uuid.uuid4().hex[:12]}"
    bus = RabbitMqBus(
        through_proxy(amqp_url, proxy),
        exchange=exchange,
        retry_base_seconds=0.02,
        publish_timeout_seconds=2,
        reconnect_interval_seconds=0.2,
    )
    await bus.start()
    return bus, proxy, exchange


async def delete_rabbitmq_topology(amqp_url: str, exchange: str, consumers: list[str]) -> None:
    """Remove what a test declared on the shared broker."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for consumer in consumers:
            for queue in (consumer, f"{consumer}.retry", f"{consumer}.dlq"):
                await channel.queue_delete(queue)
        for name in (exchange, f"{exchange}.dead-letter"):
            await channel.exchange_delete(name)
