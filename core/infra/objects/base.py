"""The object-store interface."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StoredObject:
    key: str
    data: bytes
    content_type: str


class ObjectStore(Protocol):
    """Objects by key: ``/``-separated relative paths; ``..`` and absolute keys are refused."""

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> StoredObject | None: ...

    async def delete(self, key: str) -> None: ...

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every object whose key starts with ``prefix``; return how many were deleted."""
        ...

    async def list_keys(self, prefix: str) -> list[str]: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...
