"""The manifest of a backup: what it holds, from which release and schema, and how to check it.

It is written last, so a folder without ``manifest.json`` is an unfinished backup.
"""

import hashlib
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
DATABASE_DUMP = "database.dump"
ANALYTICS_DIR = "analytics"
OBJECTS_DIR = "objects"


class DatabasePart(BaseModel):
    file: str = DATABASE_DUMP
    sha256: str
    server_version: str
    dump_tool: str
    alembic_revision: str
    row_counts: dict[str, int] = Field(description="Rows per table in the dumped snapshot.")


class AnalyticsTable(BaseModel):
    file: str
    sha256: str
    rows: int


class StoredObjectEntry(BaseModel):
    key: str
    content_type: str
    size: int
    sha256: str


class ObjectsPart(BaseModel):
    backend: str
    objects: list[StoredObjectEntry]


class Manifest(BaseModel):
    format_version: int = FORMAT_VERSION
    created_at: datetime
    release: str = Field(description="The water-classroom version that wrote the backup.")
    database: DatabasePart
    analytics_backend: str
    analytics: dict[str, AnalyticsTable]
    objects: ObjectsPart


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path, manifest: Manifest) -> None:
    (folder / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n")


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupInvalid(f"{folder} holds no {MANIFEST}: not a backup, or an unfinished one.")
    manifest = Manifest.model_validate_json(path.read_text())
    if manifest.format_version != FORMAT_VERSION:
        raise BackupInvalid(f"Backup format {manifest.format_version} is not {FORMAT_VERSION}.")
    return manifest


def verify_checksums(folder: Path, manifest: Manifest) -> None:
    """Every file is there with the bytes the manifest recorded (else ``BackupInvalid``)."""
    files = [(manifest.database.file, manifest.database.sha256)]
    files += [(table.file, table.sha256) for table in manifest.analytics.values()]
    files += [(f"{OBJECTS_DIR}/{entry.key}", entry.sha256) for entry in manifest.objects.objects]
    for name, expected in files:
        path = folder / name
        if not path.is_file() or sha256_of(path) != expected:
            raise BackupInvalid(f"{name} is missing or changed since the backup was made.")


class BackupInvalid(Exception):
    """The backup is incomplete, damaged, or cannot go where it was asked to."""
