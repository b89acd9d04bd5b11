"""A session's feed across reconnections: one media clock, replaced peers dropped, a clean end."""

import asyncio
import time
from collections.abc import AsyncIterator

from proctor.client_events import ClientEvent, ClientEventType, client_event_signal
from proctor.feed import SessionFeed
from proctor.ingest_queue import (
    ConnectionState,
    ConnectionStateChange,
    IngestItem,
    IngestQueue,
    IngestStats,
)
from proctor.signals import Frame, Signal
from tests.proctor.portraits import astronaut_frame

WAIT_SECONDS = 2.0


def _queue() -> IngestQueue:
    return IngestQueue(max_frames=8, max_signals=8, stats=IngestStats())


def _frame(at: float, index: int) -> Frame:
    return Frame(image=astronaut_frame(), at=at, index=index)


def _state(state: ConnectionState) -> ConnectionStateChange:
    return ConnectionStateChange(state=state, wall_time=time.time())


async def _next(items: AsyncIterator[IngestItem]) -> IngestItem:
    return await asyncio.wait_for(anext(items), WAIT_SECONDS)


def _media_time(item: IngestItem) -> float:
    assert isinstance(item, Frame | Signal), item
    return item.at


async def test_a_reconnected_peer_continues_the_session_clock() -> None:
    feed = SessionFeed()
    items = aiter(feed)
    first = _queue()
    feed.attach(first)
    for index in range(3):
        first.put(_frame(index * 0.5, index))
    assert [_media_time(await _next(items)) for _ in range(3)] == [0.0, 0.5, 1.0]
    first.put(_state(ConnectionState.FAILED))
    failed = await _next(items)
    assert isinstance(failed, ConnectionStateChange) and failed.state is ConnectionState.FAILED

    await asyncio.sleep(0.3)  # the learner's browser comes back with a new offer
    second = _queue()
    feed.attach(second)
    first.put(_frame(1.5, 3))  # a late frame of the lost peer: dropped
    second.put(_frame(0.0, 0))  # the new peer's clock starts again at 0
    second.put(client_event_signal(ClientEvent(type=ClientEventType.COPY), at=0.0))

    frame_at, signal_at = _media_time(await _next(items)), _media_time(await _next(items))
    assert 1.3 <= frame_at <= 2.0, "the clock went on through the gap, never back"
    assert signal_at == frame_at
    assert feed.media_time >= frame_at


async def test_a_peer_closing_on_its_own_waits_for_a_reconnection() -> None:
    feed = SessionFeed()
    items = aiter(feed)
    first = _queue()
    feed.attach(first)
    first.put(_state(ConnectionState.CLOSED))
    waiting = asyncio.ensure_future(anext(items))
    await asyncio.sleep(0.1)
    assert not waiting.done(), "the session must not end because one peer went away"

    second = _queue()
    feed.attach(second)
    second.put(_frame(0.0, 0))
    assert isinstance(await asyncio.wait_for(waiting, WAIT_SECONDS), Frame)


async def test_ending_closes_after_the_current_peer_and_at_once_without_one() -> None:
    feed = SessionFeed()
    items = aiter(feed)
    queue = _queue()
    feed.attach(queue)
    feed.end()
    queue.put(_frame(0.0, 0))
    queue.put(_state(ConnectionState.CLOSED))
    assert isinstance(await _next(items), Frame), "what the peer sent before closing still counts"
    closed = await _next(items)
    assert isinstance(closed, ConnectionStateChange) and closed.state is ConnectionState.CLOSED
    assert [item async for item in items] == []

    never_connected = SessionFeed()
    never_connected.end()
    (only,) = [item async for item in never_connected]
    assert isinstance(only, ConnectionStateChange) and only.state is ConnectionState.CLOSED
