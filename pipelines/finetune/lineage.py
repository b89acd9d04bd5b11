"""Where a fine-tune's inputs come from, fixed for the record: the dataset folder (downloaded
from its MLflow run when given as ``runs:/``) checked against its manifest's hash, the base model
prepared by ``serving.models`` (an alias resolved to its version first), and the code version.
These become the lineage tags of the run and of the registered version.
"""

import hashlib
import importlib.metadata
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.model_registry import version_uri
from serving.models import prepare_model

if TYPE_CHECKING:
    from mlflow import MlflowClient

SOURCE_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "water-classroom"
DATASET_FILES = ("train.jsonl", "validation.jsonl")
DATASET_HASH_TAG = "dataset.hash"  # the tag the dataset pipeline puts on its run


@dataclass(frozen=True)
class DatasetInput:
    reference: str  # as configured: a folder or runs:/<id>/<path>
    folder: Path
    hash: str
    run_id: str | None
    manifest: dict[str, Any]


@dataclass(frozen=True)
class BaseModelInput:
    source: str  # as configured
    folder: Path
    registry_uri: str | None  # models:/name/version when the source is a registered model


def dataset_hash(folder: Path) -> str:
    """sha256 of train.jsonl then validation.jsonl, byte for byte (the contract's definition)."""
    digest = hashlib.sha256()
    for name in DATASET_FILES:
        with (folder / name).open("rb") as data:
            for chunk in iter(lambda: data.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def resolve_dataset(reference: str, client: "MlflowClient", download_dir: Path) -> DatasetInput:
    run_id = None
    if reference.startswith("runs:/"):
        run_id, _, artifact_path = reference.removeprefix("runs:/").partition("/")
        if not run_id or not artifact_path:
            raise ValueError(f"{reference}: expected runs:/<run_id>/<artifact path>")
        target = download_dir / run_id
        target.mkdir(parents=True, exist_ok=True)
        folder = Path(client.download_artifacts(run_id, artifact_path, str(target)))
    else:
        folder = Path(reference).expanduser().resolve()
        reference = str(folder)
    manifest, actual = read_dataset_folder(folder, reference)
    if run_id is not None:
        _check_run_hash(client, run_id, actual)
    return DatasetInput(reference, folder, actual, run_id, manifest)


def read_dataset_folder(folder: Path, reference: str) -> tuple[dict[str, Any], str]:
    """The folder's manifest and the hash of its files, which must be the manifest's."""
    missing = [name for name in (*DATASET_FILES, "manifest.json") if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{reference} is not a dataset folder: {', '.join(missing)} missing"
        )
    manifest = json.loads((folder / "manifest.json").read_text())
    actual = dataset_hash(folder)
    if manifest.get("hash") != actual:
        raise ValueError(
            f"{reference}: manifest.json says hash {manifest.get('hash')!r}, the files hash to "
            f"{actual!r} (changed after the build?)"
        )
    return manifest, actual


def _check_run_hash(client: "MlflowClient", run_id: str, actual: str) -> None:
    recorded = client.get_run(run_id).data.tags.get(DATASET_HASH_TAG)
    if recorded is not None and recorded != actual:
        raise ValueError(f"run {run_id} records {DATASET_HASH_TAG}={recorded}, its files {actual}")


def resolve_base_model(
    source: str, models_dir: Path, client: "MlflowClient", tracking_uri: str
) -> BaseModelInput:
    """A servable directory for ``source``. An alias is resolved to its version before
    preparing: prepared models are cached by their source, and an alias moves."""
    registry_uri = None
    if source.startswith("models:/"):
        registry_uri = _pinned_version(client, source)
    folder = prepare_model(registry_uri or source, models_dir, tracking_uri)
    return BaseModelInput(source, folder, registry_uri)


def _pinned_version(client: "MlflowClient", model_uri: str) -> str:
    reference = model_uri.removeprefix("models:/")
    if "@" in reference:
        name, alias = reference.split("@", 1)
        return version_uri(name, str(client.get_model_version_by_alias(name, alias).version))
    name, _, version = reference.partition("/")
    if not version:
        raise ValueError(f"{model_uri} names no version or alias (models:/NAME/VERSION)")
    return version_uri(name, version)


def code_version() -> str:
    """The checkout's commit (``-dirty`` when tracked files differ from it), else the installed
    package's version."""
    try:
        commit = _git("rev-parse", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return f"{PACKAGE}=={importlib.metadata.version(PACKAGE)}"
    return f"{commit}-dirty" if dirty else commit


def _git(*arguments: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(SOURCE_ROOT), *arguments],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout.strip()


def lineage_tags(dataset: DatasetInput, base: BaseModelInput, code: str) -> dict[str, str]:
    tags = {
        "dataset.reference": dataset.reference,
        "dataset.hash": dataset.hash,
        "base_model.source": base.source,
        "code.version": code,
    }
    if dataset.run_id is not None:
        tags["dataset.run_id"] = dataset.run_id
    if base.registry_uri is not None:
        tags["base_model.registry_uri"] = base.registry_uri
    return tags
