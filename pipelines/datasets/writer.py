"""The dataset folder: ``train.jsonl``, ``validation.jsonl`` and ``manifest.json``.

Nothing time- or machine-dependent goes into the files, so the same inputs give the same bytes
and the same hash: the sha256 of ``train.jsonl`` followed by ``validation.jsonl``.
"""

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.datasets.assemble import Splits
from pipelines.datasets.config import BUILDER_VERSION, DatasetConfig
from pipelines.datasets.rows import DatasetRow

TRAIN_FILE = "train.jsonl"
VALIDATION_FILE = "validation.jsonl"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class WrittenDataset:
    folder: Path
    hash: str
    manifest: dict[str, Any]


def write_dataset(splits: Splits, config: DatasetConfig, checks: Sequence[str]) -> WrittenDataset:
    folder = config.out_dir
    folder.mkdir(parents=True, exist_ok=True)
    train, validation = _lines(splits.train), _lines(splits.validation)
    digest = hashlib.sha256(train + validation).hexdigest()
    manifest = {
        "hash": digest,
        "rows": {"train": len(splits.train), "validation": len(splits.validation)},
        "sources": splits.sources(),
        "dropped": dict(sorted(splits.dropped.items())),
        "builder_version": BUILDER_VERSION,
        "checks": sorted(set(checks)),
        "settings": build_settings(config),
    }
    _write_atomically(folder / TRAIN_FILE, train)
    _write_atomically(folder / VALIDATION_FILE, validation)
    _write_atomically(folder / MANIFEST_FILE, (json.dumps(manifest, indent=2) + "\n").encode())
    return WrittenDataset(folder, digest, manifest)


def build_settings(config: DatasetConfig) -> dict[str, Any]:
    """The settings that shape the rows (not where the stores are): also the run's params."""
    held_out = hashlib.sha256("\0".join(sorted(config.held_out)).encode()).hexdigest()
    settings: Mapping[str, Any] = {
        "sources": sorted(source.value for source in config.sources),
        "since": config.since.isoformat() if config.since else None,
        "openstax_books": sorted(book.name for book in config.openstax_books),
        "held_out_questions": len(config.held_out),
        "held_out_sha256": held_out,
        "validation_fraction": config.validation_fraction,
        "split_salt": config.split_salt,
        "shingle_words": config.shingle_words,
        "near_duplicate_jaccard": config.near_duplicate_jaccard,
        "held_out_jaccard": config.held_out_jaccard,
        "held_out_containment": config.held_out_containment,
        "minhash_permutations": config.minhash_permutations,
        "minhash_bands": config.minhash_bands,
    }
    return dict(settings)


def _lines(rows: Sequence[DatasetRow]) -> bytes:
    return b"".join(row.json_line() for row in rows)


def _write_atomically(path: Path, body: bytes) -> None:
    """A reader never sees half a file (a fine-tune started on the folder mid-build)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(handle, 0o644)  # mkstemp's 0600 would hide the dataset from other users
        with os.fdopen(handle, "wb") as file:
            file.write(body)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
