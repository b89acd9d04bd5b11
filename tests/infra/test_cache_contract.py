"""Contract of ``Cache``, run against the in-process and the Redis implementation."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from core.infra.cache.base import Cache
from core.infra.cache.memory import MemoryCache
from core.infra.cache.redis import RedisCache
from tests.fixtures.postgres import free_port


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    if request.param == "memory":
        implementation: Cache = MemoryCache()
    else:
        implementation = RedisCache.from_url(request.getfixturevalue("redis_url"))
    yield implementation
    await implementation.close()


def unique_key() -> str:
    return f"test:cache:{uuid.uuid4().hex}"


async def test_set_then_get_returns_the_bytes(cache: Cache) -> None:
    key = unique_key()
    await cache.set(key, b"\x00value\xff", ttl_seconds=30)
    assert await cache.get(key) == b"\x00value\xff"


async def test_missing_key_is_none(cache: Cache) -> None:
    assert await cache.get(unique_key()) is None


async def test_set_overwrites(cache: Cache) -> None:
    key = unique_key()
    await cache.set(key, b"first", ttl_seconds=30)
    await cache.set(key, b"second", ttl_seconds=30)
    assert await cache.get(key) == b"second"


async def test_add_sets_only_a_missing_key(cache: Cache) -> None:
    key = unique_key()
    assert await cache.add(key, b"first", ttl_seconds=30) is True
    assert await cache.add(key, b"second", ttl_seconds=30) is False
    assert await cache.get(key) == b"first"
    await cache.delete(key)
    assert await cache.add(key, b"third", ttl_seconds=30) is True
    assert await cache.get(key) == b"third"


async def test_value_expires_after_its_ttl(cache: Cache) -> None:
    key, lasting = unique_key(), unique_key()
    await cache.set(key, b"short", ttl_seconds=0.15)
    await cache.set(lasting, b"long", ttl_seconds=30)
    assert await cache.get(key) == b"short"
    deadline = asyncio.get_running_loop().time() + 3
    while await cache.get(key) is not None:
        assert asyncio.get_running_loop().time() < deadline, "value outlived its TTL"
        await asyncio.sleep(0.05)
    assert await cache.get(lasting) == b"long"


async def test_delete_removes_several_keys_and_ignores_missing_ones(cache: Cache) -> None:
    first, second, kept = unique_key(), unique_key(), unique_key()
    for key in (first, second, kept):
        await cache.set(key, b"x", ttl_seconds=30)
    await cache.delete(first, second, unique_key())
    assert await cache.get(first) is None
    assert await cache.get(second) is None
    assert await cache.get(kept) == b"x"


async def test_non_positive_ttl_is_refused(cache: Cache) -> None:
    with pytest.raises(ValueError):
        await cache.set(unique_key(), b"x", ttl_seconds=0)


async def test_ping_answers(cache: Cache) -> None:
    assert await cache.ping() is True


async def test_redis_ping_is_false_when_nothing_listens() -> None:
    unreachable = RedisCache.from_url(f"redis://127.0.0.1:{free_port()}/0")
    try:
        assert await unreachable.ping() is False
    finally:
        await unreachable.close()
