"""The presence contract, for both implementations, on a clock the test moves: a user is online
while one of their connections beat within the TTL, and each change is reported exactly once."""

import uuid
from collections.abc import AsyncIterator

import pytest

from core.infra.cache.redis import redis_client
from platform_api.realtime.presence import Presence
from platform_api.realtime.presence.memory import MemoryPresence
from platform_api.realtime.presence.redis import RedisPresence

TTL = 30.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["memory", "redis"])
async def presence(request: pytest.FixtureRequest, clock: Clock) -> AsyncIterator[Presence]:
    built: Presence
    if request.param == "redis":
        client = redis_client(request.getfixturevalue("redis_url"))
        built = RedisPresence(client, TTL, clock=clock)
    else:
        built = MemoryPresence(TTL, clock=clock)
    yield built
    await built.close()


async def test_a_user_is_online_while_any_connection_is(presence: Presence) -> None:
    class_id, ada, bo = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert await presence.beat(class_id, ada, "tab-1") is True
    assert await presence.beat(class_id, ada, "tab-2") is False
    assert await presence.beat(class_id, ada, "tab-1") is False
    assert await presence.beat(class_id, bo, "phone") is True
    assert sorted(await presence.online(class_id)) == sorted([ada, bo])

    assert await presence.leave(class_id, ada, "tab-1") is False
    assert await presence.leave(class_id, ada, "tab-2") is True
    assert await presence.leave(class_id, ada, "tab-2") is False  # already gone: no change
    assert await presence.online(class_id) == [bo]
    assert await presence.online(uuid.uuid4()) == []


async def test_silent_connections_expire_after_the_ttl(presence: Presence, clock: Clock) -> None:
    class_id, ada, bo = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await presence.beat(class_id, ada, "tab-1")
    await presence.beat(class_id, bo, "phone")
    clock.now += TTL / 2
    await presence.beat(class_id, bo, "phone")
    assert await presence.expire(class_id) == []

    clock.now += TTL / 2
    assert await presence.online(class_id) == [bo]
    assert await presence.expire(class_id) == [ada]
    assert await presence.expire(class_id) == []  # reported once
    assert await presence.leave(class_id, ada, "tab-1") is False

    clock.now += TTL
    assert await presence.online(class_id) == []
    assert await presence.expire(class_id) == [bo]
    assert await presence.beat(class_id, bo, "phone") is True  # back online after a lapse
