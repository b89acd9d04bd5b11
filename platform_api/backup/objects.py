"""The object-store part: every object's bytes as a file, its content type in the manifest."""

import hashlib
from collections.abc import Callable
from pathlib import Path

from core.infra.objects import ObjectStore
from platform_api.backup.manifest import BackupInvalid, StoredObjectEntry

Progress = Callable[[int, int], None]


async def export_objects(
    store: ObjectStore, folder: Path, progress: Progress
) -> list[StoredObjectEntry]:
    """Copy every object; one deleted since it was listed is left out (its row went with it)."""
    keys = await store.list_keys("")
    entries = []
    for done, key in enumerate(keys, start=1):
        stored = await store.get(key)
        if stored is not None:
            target = folder / key
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(stored.data)
            digest = hashlib.sha256(stored.data).hexdigest()
            entries.append(
                StoredObjectEntry(
                    key=key, content_type=stored.content_type, size=len(stored.data), sha256=digest
                )
            )
        progress(done, len(keys))
    return entries


async def import_objects(
    store: ObjectStore, folder: Path, entries: list[StoredObjectEntry], progress: Progress
) -> None:
    if await store.list_keys(""):
        raise BackupInvalid("The target object store is not empty; restore into a fresh one.")
    for done, entry in enumerate(entries, start=1):
        await store.put(entry.key, (folder / entry.key).read_bytes(), entry.content_type)
        progress(done, len(entries))
