"""One session's ingest across reconnections: the learner's browser may lose its connection and
come back with a new offer (a new peer) while the session, its risk engine and its timeline go
on. The feed hands the session the current peer's items, on one media clock for the whole
session, and ends when the session is closed.
"""

import asyncio
import time
from collections.abc import AsyncIterator

from proctor.ingest_queue import ConnectionState, ConnectionStateChange, IngestItem, IngestQueue
from proctor.signals import Frame, Signal


class SessionFeed:
    """Iterate it once (the session does); ``attach`` each new peer's queue, ``end`` to close.

    A peer's media clock starts at 0 with its first frame. The items of a peer attached after
    another are shifted by where the session's clock stands then (the last media time handed
    out plus the wall time since), so a reconnection never takes the clock back. A replaced
    peer's remaining items are dropped: the session already saw its stream fail.
    """

    def __init__(self) -> None:
        self._queue: IngestQueue | None = None
        self._attached_before = False
        self._offset = 0.0
        self._latest_at = 0.0
        self._latest_monotonic: float | None = None
        self._changed = asyncio.Event()
        self._ending = False
        self._ended = False

    def attach(self, queue: IngestQueue) -> None:
        """Read from ``queue`` from now on (the previous one, if any, is abandoned)."""
        if self._ended or self._ending:
            raise RuntimeError("the session's feed has ended")
        if self._attached_before:
            self._offset = self._clock_now()
        self._attached_before = True
        self._queue = queue
        self._changed.set()

    def end(self) -> None:
        """End the feed: once the current peer's queue is closed, or at once without a peer."""
        self._ending = True
        self._changed.set()

    @property
    def media_time(self) -> float:
        """Where the session's media clock stands now (seconds)."""
        return self._clock_now()

    def __aiter__(self) -> AsyncIterator[IngestItem]:
        return self._items()

    async def _items(self) -> AsyncIterator[IngestItem]:
        while not self._ended:
            item = await self._next_item()
            if item is None:
                continue  # the queue was replaced, or the feed is ending
            yield self._on_session_clock(item)

    async def _next_item(self) -> IngestItem | None:
        queue = self._queue
        if queue is None:
            if self._ending:
                self._ended = True
                return ConnectionStateChange(ConnectionState.CLOSED, time.time())
            self._changed.clear()
            await self._changed.wait()
            return None
        self._changed.clear()
        reading = asyncio.ensure_future(anext(queue))
        changing = asyncio.ensure_future(self._changed.wait())
        done, _ = await asyncio.wait({reading, changing}, return_when=asyncio.FIRST_COMPLETED)
        changing.cancel()
        if reading not in done:
            reading.cancel()  # IngestQueue takes nothing out before its await completes
            return None
        if self._queue is not queue:
            return None  # read from a peer replaced in the meantime: its items are dropped
        try:
            item = reading.result()
        except StopAsyncIteration:  # the queue already handed out its ``closed``
            self._detach(queue)
            return None
        if isinstance(item, ConnectionStateChange) and item.state is ConnectionState.CLOSED:
            if not self._ending:
                # The peer closed on its own: the session waits for a reconnection.
                self._detach(queue)
                return None
            self._ended = True
        return item

    def _detach(self, queue: IngestQueue) -> None:
        if self._queue is queue:  # not replaced meanwhile by a reconnection
            self._queue = None

    def _on_session_clock(self, item: IngestItem) -> IngestItem:
        if isinstance(item, Frame):
            item.at += self._offset
            self._advance(item.at)
        elif isinstance(item, Signal):
            item = item.model_copy(update={"at": item.at + self._offset})
            self._advance(item.at)
        return item

    def _advance(self, at: float) -> None:
        self._latest_at = max(self._latest_at, at)
        self._latest_monotonic = time.monotonic()

    def _clock_now(self) -> float:
        if self._latest_monotonic is None:
            return self._latest_at
        return self._latest_at + time.monotonic() - self._latest_monotonic
