"""What a peer hands its session: frames, client signals and connection states, in arrival order,
in bounded memory."""

import asyncio
import enum
from collections import deque
from dataclasses import dataclass

from proctor.signals import Frame, Signal


class ConnectionState(enum.StrEnum):
    """aiortc's connection states. aiortc has no ``disconnected``: a peer that vanishes without
    closing turns ``failed`` once ICE consent checks stop being answered."""

    NEW = "new"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILED = "failed"
    CLOSED = "closed"


@dataclass(frozen=True)
class ConnectionStateChange:
    """The connection entered ``state`` at ``wall_time`` (seconds since the epoch): the session
    times its reconnection grace period and a lost stream from it."""

    state: ConnectionState
    wall_time: float


IngestItem = Frame | Signal | ConnectionStateChange


@dataclass
class IngestStats:
    frames_received: int = 0
    frames_dropped: int = 0
    messages_invalid: int = 0
    signals_dropped: int = 0


class IngestQueue:
    """Bounded in frames and in signals. When analysis lags, waiting frames are thinned: the one
    closest in media time to the frame before it goes, never the oldest nor the arriving one, so
    what waits still spans the whole lag, densest where it is most recent. A stall longer than the
    queue then costs detail (an absence is timed more coarsely), not the stalled seconds
    themselves, which dropping the oldest would lose whole; under a lasting lag the cost is
    latency, at most ``max_frames`` analyses. Past ``max_signals`` waiting, new client signals
    are dropped (only a flooding client gets there). State changes are always kept: there are a
    handful per connection. Iterating ends once the ``closed`` state has been handed out."""

    def __init__(self, max_frames: int, max_signals: int, stats: IngestStats) -> None:
        self._max_frames = max_frames
        self._max_signals = max_signals
        self._stats = stats
        self._items: deque[IngestItem] = deque()
        self._frames_waiting = 0
        self._signals_waiting = 0
        self._not_empty = asyncio.Event()
        self._ended = False

    def put(self, item: IngestItem) -> None:
        if isinstance(item, Frame) and self._frames_waiting >= self._max_frames:
            self._thin_frames()
        if isinstance(item, Signal) and self._signals_waiting >= self._max_signals:
            self._stats.signals_dropped += 1
            return
        self._items.append(item)
        self._count(item, +1)
        self._not_empty.set()

    def __aiter__(self) -> "IngestQueue":
        return self

    async def __anext__(self) -> IngestItem:
        if self._ended:
            raise StopAsyncIteration
        while not self._items:
            self._not_empty.clear()
            await self._not_empty.wait()
        item = self._items.popleft()
        self._count(item, -1)
        if isinstance(item, ConnectionStateChange) and item.state is ConnectionState.CLOSED:
            self._ended = True
        return item

    def _thin_frames(self) -> None:
        """Drops the waiting frame nearest in media time to the one before it (the older of
        gaps equal to the millisecond), never the oldest; a queue of one frame drops it."""
        # By position, not deque.remove: frames compare by their pixel arrays.
        frames = [(i, item.at) for i, item in enumerate(self._items) if isinstance(item, Frame)]
        drop = min(
            range(1, len(frames)),
            key=lambda k: round(frames[k][1] - frames[k - 1][1], 3),
            default=0,
        )
        del self._items[frames[drop][0]]
        self._frames_waiting -= 1
        self._stats.frames_dropped += 1

    def _count(self, item: IngestItem, change: int) -> None:
        if isinstance(item, Frame):
            self._frames_waiting += change
        elif isinstance(item, Signal):
            self._signals_waiting += change
