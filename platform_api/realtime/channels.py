"""Channel names, and this process's connections by channel.

A channel is ``class:<class id>`` (the class's chat and presence) or ``user:<user id>`` (events
for one user: grades, notifications, content jobs). The fan-out hands every frame to the router,
which passes it to the connections of this process that follow the channel.
"""

import logging
import uuid
from typing import Protocol

from platform_api.realtime.event_ids import EventId

logger = logging.getLogger(__name__)
CLASS_PREFIX, USER_PREFIX = "class:", "user:"


def class_channel(class_id: uuid.UUID) -> str:
    return f"{CLASS_PREFIX}{class_id}"


def user_channel(user_id: uuid.UUID) -> str:
    return f"{USER_PREFIX}{user_id}"


class Follower(Protocol):
    def receive(self, channel: str, event_id: EventId, text: str) -> None:
        """Take a frame without waiting (a slow follower must not hold up the others)."""
        ...


class ChannelRouter:
    def __init__(self) -> None:
        self._followers: dict[str, set[Follower]] = {}

    def follow(self, channel: str, follower: Follower) -> None:
        self._followers.setdefault(channel, set()).add(follower)

    def unfollow(self, channel: str, follower: Follower) -> None:
        followers = self._followers.get(channel)
        if followers is not None:
            followers.discard(follower)
            if not followers:
                del self._followers[channel]

    def followed_classes(self) -> list[uuid.UUID]:
        """Classes that connections of this process follow (whose presence it sweeps)."""
        return [
            uuid.UUID(name.removeprefix(CLASS_PREFIX))
            for name in self._followers
            if name.startswith(CLASS_PREFIX)
        ]

    def deliver(self, channel: str, event_id: EventId, text: str) -> None:
        # A copy: a follower that falls behind is closed, and unfollows, while we iterate.
        for follower in tuple(self._followers.get(channel, ())):
            try:
                follower.receive(channel, event_id, text)
            except Exception:
                logger.exception("a connection failed to take a frame of %s", channel)
