"""Making a backup of an instance and restoring one into a fresh data dir.

Order matters for consistency: the database is dumped first, as one snapshot; objects are copied
after it, so every object a dumped row points at is still there (uploads store the object before
the row commits). Analytics facts are append-only and rebuilt from events, so rows written after
the snapshot are harmless extras. Keys (``<data_dir>/keys``) are NOT in a backup: keep them apart.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from core.infra.analytics import AnalyticsStore
from core.infra.objects.config import ObjectStoreConfig, open_object_store
from core.infra.postgres_embedded import ensure_database, platform_database_url
from core.settings import Settings
from platform_api.backup import analytics, database, objects
from platform_api.backup.manifest import (
    ANALYTICS_DIR,
    DATABASE_DUMP,
    OBJECTS_DIR,
    AnalyticsTable,
    BackupInvalid,
    Manifest,
    ObjectsPart,
    read_manifest,
    verify_checksums,
    write_manifest,
)
from platform_api.wiring import build_analytics

Step = Callable[[str], None]
Progress = Callable[[int, int], None]
# Where the analytics rows come from: the instance that owns them, or the store itself.
AnalyticsSource = Callable[[Path], Awaitable[dict[str, AnalyticsTable]]]


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    database_rows: dict[str, int]
    analytics_rows: dict[str, int]
    objects: int


async def create_backup(
    settings: Settings,
    target: Path,
    export_analytics: AnalyticsSource,
    step: Step,
    progress: Progress,
) -> Manifest:
    await asyncio.to_thread(_prepare_target, target)
    url = platform_database_url(settings.database_url, settings.resolved_data_dir)
    step("Dumping the database")
    database_part = await database.dump(url, target / DATABASE_DUMP)
    step("Copying the objects")
    config = ObjectStoreConfig.from_settings(settings)
    store = open_object_store(config)
    try:
        entries = await objects.export_objects(store, target / OBJECTS_DIR, progress)
    finally:
        await store.close()
    step("Exporting the analytics tables")
    tables = await export_analytics(target / ANALYTICS_DIR)
    manifest = Manifest(
        created_at=datetime.now(UTC),
        release=version("water-classroom"),
        database=database_part,
        analytics_backend="clickhouse" if settings.clickhouse_url else "chdb",
        analytics=tables,
        objects=ObjectsPart(backend=config.backend, objects=entries),
    )
    write_manifest(target, manifest)
    return manifest


async def restore_backup(
    settings: Settings, source: Path, step: Step, progress: Progress
) -> RestoreReport:
    """Restore into the (empty) stores ``settings`` name; the next start migrates to head."""
    manifest = read_manifest(source)
    step("Checking the backup's files")
    verify_checksums(source, manifest)
    step("Restoring the database")
    url = platform_database_url(settings.database_url, settings.resolved_data_dir)
    await ensure_database(url)
    await database.restore(url, source / manifest.database.file)
    database_rows = await database.row_counts(url)
    _same("database", manifest.database.row_counts, database_rows)
    step("Restoring the objects")
    store = open_object_store(ObjectStoreConfig.from_settings(settings))
    try:
        await objects.import_objects(
            store, source / OBJECTS_DIR, manifest.objects.objects, progress
        )
    finally:
        await store.close()
    step("Restoring the analytics tables")
    analytics_rows = await _restore_analytics(build_analytics(settings), source, manifest)
    return RestoreReport(manifest, database_rows, analytics_rows, len(manifest.objects.objects))


async def _restore_analytics(
    store: AnalyticsStore, source: Path, manifest: Manifest
) -> dict[str, int]:
    try:
        await store.ensure_schema()
        if any((await analytics.count_rows(store)).values()):
            raise BackupInvalid("The target analytics store is not empty.")
        await analytics.import_into_store(store, source, manifest.analytics)
        counts = await analytics.count_rows(store)
    finally:
        await store.close()
    _same("analytics", {t: part.rows for t, part in manifest.analytics.items()}, counts)
    return counts


def _prepare_target(target: Path) -> None:
    if target.exists() and any(target.iterdir()):
        raise BackupInvalid(f"{target} is not empty; back up into a new folder.")
    target.mkdir(parents=True, exist_ok=True)


def _same(part: str, expected: dict[str, int], restored: dict[str, int]) -> None:
    differing = {
        name: (rows, restored.get(name))
        for name, rows in expected.items()
        if restored.get(name) != rows
    }
    if differing:
        raise BackupInvalid(f"The restored {part} differs from the backup: {differing}")
