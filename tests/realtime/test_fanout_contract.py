"""The fan-out contract, for both implementations: ids grow per channel, every frame reaches the
listener once with its id, and a replay returns what followed a given id (complete or not)."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import pytest

from core.infra.cache.redis import redis_client
from platform_api.realtime.event_ids import EventId
from platform_api.realtime.fanout import FanOut
from platform_api.realtime.fanout.memory import InProcessFanOut
from platform_api.realtime.fanout.redis import RedisFanOut

HISTORY_FRAMES = 150
Received = asyncio.Queue[tuple[str, EventId, str]]


@pytest.fixture(params=["memory", "redis"])
async def fanout(request: pytest.FixtureRequest) -> AsyncIterator[FanOut]:
    built: FanOut
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        built = RedisFanOut(redis_client(url, socket_timeout=None), HISTORY_FRAMES, 60)
    else:
        built = InProcessFanOut(HISTORY_FRAMES, 60)
    yield built
    await built.close()


async def listen(fanout: FanOut) -> Received:
    received: Received = asyncio.Queue()
    await fanout.start(lambda *frame: received.put_nowait(frame))
    return received


async def until(received: Received, count: int, channel: str) -> list[tuple[str, EventId, str]]:
    """The first ``count`` frames of the channel (the shared Redis may carry others)."""
    mine: list[tuple[str, EventId, str]] = []
    async with asyncio.timeout(5):
        while len(mine) < count:
            frame = await received.get()
            if frame[0] == channel:
                mine.append(frame)
    return mine


def channel() -> str:
    return f"class:{uuid.uuid4()}"


async def test_frames_reach_the_listener_with_growing_ids(fanout: FanOut) -> None:
    received = await listen(fanout)
    name = channel()
    ids = [await fanout.publish(name, {"type": "chat.message", "n": n}) for n in range(3)]

    mine = await until(received, 3, name)
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert [event_id for _, event_id, _ in mine] == ids
    frames = [json.loads(text) for _, _, text in mine]
    assert frames == [
        {"event_id": str(i), "type": "chat.message", "n": n} for n, i in enumerate(ids)
    ]


async def test_replay_returns_what_followed_an_id(fanout: FanOut) -> None:
    await listen(fanout)
    name = channel()
    ids = [await fanout.publish(name, {"type": "t", "n": n}) for n in range(5)]

    replay = await fanout.replay(name, ids[1])
    assert replay.complete
    assert [event_id for event_id, _ in replay.frames] == ids[2:]
    assert [json.loads(text)["n"] for _, text in replay.frames] == [2, 3, 4]
    assert (await fanout.replay(name, ids[-1])).frames == []


async def test_replay_past_the_history_is_incomplete(fanout: FanOut) -> None:
    await listen(fanout)
    name = channel()
    first = await fanout.publish(name, {"type": "t", "n": 0})
    # Redis trims a stream by whole nodes (MAXLEN ~), so publish well past the bound.
    for n in range(1, 3 * HISTORY_FRAMES):
        await fanout.publish(name, {"type": "t", "n": n})

    replay = await fanout.replay(name, first)
    assert not replay.complete
    assert HISTORY_FRAMES <= len(replay.frames) < 3 * HISTORY_FRAMES - 1
    assert json.loads(replay.frames[-1][1])["n"] == 3 * HISTORY_FRAMES - 1
    unknown = await fanout.replay(channel(), first)
    assert (unknown.frames, unknown.complete) == ([], False)
