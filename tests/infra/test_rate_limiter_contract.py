"""Contract of ``RateLimiter`` (token bucket): the in-process and the Redis implementation."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from core.infra.cache.base import RateLimiter
from core.infra.cache.memory import MemoryRateLimiter
from core.infra.cache.redis import RedisRateLimiter


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    if request.param == "memory":
        implementation: RateLimiter = MemoryRateLimiter()
    else:
        implementation = RedisRateLimiter.from_url(request.getfixturevalue("redis_url"))
    yield implementation
    await implementation.close()


def unique_key() -> str:
    return f"test:{uuid.uuid4().hex}"


async def test_allows_capacity_then_refuses(limiter: RateLimiter) -> None:
    key = unique_key()
    decisions = [await limiter.acquire(key, capacity=3, period_seconds=60) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[0].retry_after_seconds == 0
    # One token comes back every 60 / 3 = 20 s.
    assert 19 < decisions[3].retry_after_seconds <= 20


async def test_keys_have_separate_buckets(limiter: RateLimiter) -> None:
    first, second = unique_key(), unique_key()
    assert (await limiter.acquire(first, capacity=1, period_seconds=60)).allowed
    assert not (await limiter.acquire(first, capacity=1, period_seconds=60)).allowed
    assert (await limiter.acquire(second, capacity=1, period_seconds=60)).allowed


async def test_tokens_refill_over_the_period(limiter: RateLimiter) -> None:
    key = unique_key()
    for _ in range(2):
        assert (await limiter.acquire(key, capacity=2, period_seconds=0.4)).allowed
    refused = await limiter.acquire(key, capacity=2, period_seconds=0.4)
    assert not refused.allowed
    assert 0 < refused.retry_after_seconds <= 0.2
    await asyncio.sleep(refused.retry_after_seconds + 0.05)
    assert (await limiter.acquire(key, capacity=2, period_seconds=0.4)).allowed


async def test_refill_never_exceeds_capacity(limiter: RateLimiter) -> None:
    key = unique_key()
    assert (await limiter.acquire(key, capacity=2, period_seconds=0.1)).allowed
    await asyncio.sleep(0.3)  # three periods: still at most two tokens
    decisions = [await limiter.acquire(key, capacity=2, period_seconds=0.1) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]


async def test_concurrent_callers_never_overspend(limiter: RateLimiter) -> None:
    key = unique_key()
    decisions = await asyncio.gather(
        *(limiter.acquire(key, capacity=10, period_seconds=60) for _ in range(30))
    )
    assert sum(d.allowed for d in decisions) == 10


async def test_ping_answers(limiter: MemoryRateLimiter | RedisRateLimiter) -> None:
    assert await limiter.ping() is True


async def test_invalid_arguments_are_refused(limiter: RateLimiter) -> None:
    with pytest.raises(ValueError):
        await limiter.acquire(unique_key(), capacity=0, period_seconds=1)
    with pytest.raises(ValueError):
        await limiter.acquire(unique_key(), capacity=1, period_seconds=0)
