"""In-process fan-out (embedded, one API process): a ring of recent frames per channel."""

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from platform_api.realtime.event_ids import EventId
from platform_api.realtime.fanout.base import Deliver, Replay, serialise, with_event_id


@dataclass
class _Channel:
    frames: deque[tuple[EventId, str]]
    last_id: EventId = field(default_factory=lambda: EventId(0, 0))
    published_at: float = 0.0


class InProcessFanOut:
    """Delivers published frames straight to this process's listener.

    Channels idle for ``history_seconds`` are forgotten once more than ``sweep_threshold`` exist
    (one per user who was ever pushed something), as the Redis streams expire.
    """

    def __init__(
        self,
        history_frames: int,
        history_seconds: float,
        *,
        clock: Callable[[], float] = time.time,
        sweep_threshold: int = 10_000,
    ) -> None:
        self._history_frames = history_frames
        self._history_seconds = history_seconds
        self._clock = clock
        self._sweep_threshold = sweep_threshold
        self._channels: dict[str, _Channel] = {}
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def publish(self, channel: str, frame: dict[str, Any]) -> EventId:
        now = self._clock()
        state = self._channels.get(channel)
        if state is None:
            if len(self._channels) >= self._sweep_threshold:
                self._forget_idle(now)
            state = self._channels[channel] = _Channel(deque(maxlen=self._history_frames))
        event_id = state.last_id = state.last_id.next_after(int(now * 1000))
        state.published_at = now
        text = with_event_id(serialise(frame), event_id)
        state.frames.append((event_id, text))
        if self._deliver is not None:
            # Soon, not inside the publisher's call: as with Redis, a connection closed for
            # falling behind is never the publisher's own task being cancelled mid-request.
            asyncio.get_running_loop().call_soon(self._deliver, channel, event_id, text)
        return event_id

    async def replay(self, channel: str, after: EventId) -> Replay:
        state = self._channels.get(channel)
        if state is None or self._clock() - state.published_at >= self._history_seconds:
            return Replay()
        frames = [(event_id, text) for event_id, text in state.frames if event_id > after]
        return Replay(frames, complete=bool(state.frames) and state.frames[0][0] <= after)

    async def close(self) -> None:
        self._deliver = None
        self._channels.clear()

    def _forget_idle(self, now: float) -> None:
        idle = [
            name
            for name, state in self._channels.items()
            if now - state.published_at >= self._history_seconds
        ]
        for name in idle:
            del self._channels[name]
