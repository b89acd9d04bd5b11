"""Object store on the local filesystem (the embedded default).

Layout under ``root``: ``objects/<key>`` holds the bytes, ``content-types/<key>`` the content type,
``tmp/`` the files being written. Each file is written to ``tmp/`` and renamed into place, so a
reader sees the old or the new object, never half of one. A key cannot be both an object and the
parent folder of another (``a`` and ``a/b``), unlike S3.
"""

import asyncio
import os
import uuid
from pathlib import Path

from core.infra.objects.base import StoredObject
from core.infra.objects.keys import validate_key, validate_prefix

DEFAULT_CONTENT_TYPE = "application/octet-stream"


class FilesystemObjectStore:
    """Objects as files under ``root``; blocking file I/O runs in worker threads."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._objects = root / "objects"
        self._content_types = root / "content-types"
        self._tmp = root / "tmp"

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        validate_key(key)
        await asyncio.to_thread(self._put, key, data, content_type)

    async def get(self, key: str) -> StoredObject | None:
        validate_key(key)
        return await asyncio.to_thread(self._get, key)

    async def delete(self, key: str) -> None:
        validate_key(key)
        await asyncio.to_thread(self._delete, key)

    async def delete_prefix(self, prefix: str) -> int:
        keys = await self.list_keys(prefix)
        for key in keys:
            await asyncio.to_thread(self._delete, key)
        return len(keys)

    async def list_keys(self, prefix: str) -> list[str]:
        validate_prefix(prefix)
        return await asyncio.to_thread(self._list_keys, prefix)

    async def ping(self) -> bool:
        return await asyncio.to_thread(self._writable)

    async def close(self) -> None:
        """Nothing to release: every operation opens and closes its own files."""

    def _put(self, key: str, data: bytes, content_type: str) -> None:
        self._write_atomically(self._content_types / key, content_type.encode())
        self._write_atomically(self._objects / key, data)

    def _write_atomically(self, target: Path, content: bytes) -> None:
        self._tmp.mkdir(parents=True, exist_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._tmp / uuid.uuid4().hex
        try:
            with temporary.open("wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)

    def _get(self, key: str) -> StoredObject | None:
        try:
            data = (self._objects / key).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        try:
            content_type = (self._content_types / key).read_text()
        except FileNotFoundError:
            content_type = DEFAULT_CONTENT_TYPE
        return StoredObject(key=key, data=data, content_type=content_type)

    def _delete(self, key: str) -> None:
        for tree in (self._objects, self._content_types):
            path = tree / key
            if path.is_file():
                path.unlink(missing_ok=True)
                self._remove_empty_parents(path.parent, tree)

    def _remove_empty_parents(self, folder: Path, tree: Path) -> None:
        while folder != tree:
            try:
                folder.rmdir()
            except OSError:  # not empty (or already gone): stop climbing
                return
            folder = folder.parent

    def _list_keys(self, prefix: str) -> list[str]:
        # Walk only the deepest folder that the prefix names in full.
        start = self._objects / prefix.rpartition("/")[0]
        if not start.is_dir():
            return []
        keys = []
        for folder, _, files in os.walk(start):
            for name in files:
                key = (Path(folder) / name).relative_to(self._objects).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def _writable(self) -> bool:
        try:
            self._tmp.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        return os.access(self._tmp, os.W_OK)
