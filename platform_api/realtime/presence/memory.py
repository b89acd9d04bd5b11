"""In-process presence (one API process): last heartbeats in a dict per class."""

import time
import uuid
from collections.abc import Callable

Member = tuple[uuid.UUID, str]  # (user id, connection id)


class MemoryPresence:
    def __init__(self, ttl_seconds: float, *, clock: Callable[[], float] = time.time) -> None:
        self._ttl_seconds = ttl_seconds
        self._clock = clock
        self._classes: dict[uuid.UUID, dict[Member, float]] = {}

    async def beat(self, class_id: uuid.UUID, user_id: uuid.UUID, connection_id: str) -> bool:
        members = self._classes.setdefault(class_id, {})
        was_online = self._is_online(members, user_id)
        members[(user_id, connection_id)] = self._clock()
        return not was_online

    async def leave(self, class_id: uuid.UUID, user_id: uuid.UUID, connection_id: str) -> bool:
        members = self._classes.get(class_id, {})
        if members.pop((user_id, connection_id), None) is None:
            return False
        self._drop_if_empty(class_id)
        return not self._is_online(members, user_id)

    async def expire(self, class_id: uuid.UUID) -> list[uuid.UUID]:
        members = self._classes.get(class_id, {})
        cutoff = self._clock() - self._ttl_seconds
        silent = [member for member, beat in members.items() if beat <= cutoff]
        for member in silent:
            del members[member]
        self._drop_if_empty(class_id)
        gone = dict.fromkeys(user_id for user_id, _ in silent)
        return [user_id for user_id in gone if not self._is_online(members, user_id)]

    async def online(self, class_id: uuid.UUID) -> list[uuid.UUID]:
        cutoff = self._clock() - self._ttl_seconds
        members = self._classes.get(class_id, {})
        return list(dict.fromkeys(user for (user, _), beat in members.items() if beat > cutoff))

    async def close(self) -> None:
        self._classes.clear()

    def _is_online(self, members: dict[Member, float], user_id: uuid.UUID) -> bool:
        cutoff = self._clock() - self._ttl_seconds
        return any(user == user_id and beat > cutoff for (user, _), beat in members.items())

    def _drop_if_empty(self, class_id: uuid.UUID) -> None:
        if not self._classes.get(class_id):
            self._classes.pop(class_id, None)
