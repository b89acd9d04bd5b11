"""The fan-out interface: publish a frame on a channel, every process's listener receives it.

A published frame gets the channel's next event id and joins the channel's bounded recent
history, from which a reconnecting client is replayed what it missed.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from platform_api.realtime.event_ids import EventId

# Called in each process for every frame published on any channel: (channel, id, frame text).
Deliver = Callable[[str, EventId, str], None]


@dataclass(frozen=True)
class Replay:
    """Frames of a channel after a given id, oldest first.

    ``complete`` is False when frames after that id may have left the bounded history (or the
    channel's history expired): what is returned is then only the most recent part.
    """

    frames: list[tuple[EventId, str]] = field(default_factory=list)
    complete: bool = False


def serialise(frame: dict[str, Any]) -> str:
    """The frame's JSON, made once by the publishing process."""
    return json.dumps(frame, separators=(",", ":"))


def with_event_id(serialised: str, event_id: EventId) -> str:
    """The frame as sent to clients: its JSON (an object) with the event id put first.

    Spliced rather than parsed and dumped again, so that a process delivering a frame to many
    connections does not re-serialise it.
    """
    return f'{{"event_id":"{event_id}",{serialised[1:]}'


class FanOut(Protocol):
    async def start(self, deliver: Deliver) -> None:
        """Begin handing every published frame to ``deliver`` (called without awaiting)."""
        ...

    async def publish(self, channel: str, frame: dict[str, Any]) -> EventId:
        """Record the frame in the channel's history and send it to every process; raise
        ``ServiceUnavailable`` when the fan-out cannot be reached (then nothing was sent)."""
        ...

    async def replay(self, channel: str, after: EventId) -> Replay: ...

    async def close(self) -> None: ...
