"""The presence interface. A class's presence is a set of connections with their last heartbeat;
a user is online while one of their connections beat less than the TTL ago. Each method answers
whether the user's state changed, so that exactly one change frame is published for it.
"""

import uuid
from typing import Protocol


class Presence(Protocol):
    async def beat(self, class_id: uuid.UUID, user_id: uuid.UUID, connection_id: str) -> bool:
        """Record a heartbeat of the connection; whether its user just came online."""
        ...

    async def leave(self, class_id: uuid.UUID, user_id: uuid.UUID, connection_id: str) -> bool:
        """Forget the connection; whether its user just went offline."""
        ...

    async def expire(self, class_id: uuid.UUID) -> list[uuid.UUID]:
        """Forget connections silent for the TTL; the users that went offline by it."""
        ...

    async def online(self, class_id: uuid.UUID) -> list[uuid.UUID]: ...

    async def close(self) -> None: ...
