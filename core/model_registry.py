"""The MLflow model registry hook: the version a registered model's ``champion`` alias names,
and a watcher that notices the alias moving. Shared by everything that serves a registered model
(the LLM in ``serving``, the object detector in ``proctor``)."""

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlflow import MlflowClient

logger = logging.getLogger(__name__)

CHAMPION_ALIAS = "champion"


def tracking_uri_of(configured: str, data_dir: Path) -> str:
    """The MLflow store: the configured URI (a team's ``mlflow server``), else a SQLite file in
    the data folder, the one every part of an embedded installation shares."""
    if configured:
        return configured
    folder = data_dir.expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'mlflow.db'}"


def champion_uri(registered_model: str) -> str:
    return f"models:/{registered_model}@{CHAMPION_ALIAS}"


def version_uri(registered_model: str, version: str) -> str:
    """One version by number: what a watcher's ``on_change`` loads, so that a second move of
    the alias in the meantime cannot make it load another version than the one it was told."""
    return f"models:/{registered_model}/{version}"


def champion_version(tracking_uri: str, registered_model: str) -> str | None:
    """The version the alias points at now, or None when the alias is not set."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    try:
        return str(client.get_model_version_by_alias(registered_model, CHAMPION_ALIAS).version)
    except MlflowException:
        return None


def download(model_uri: str, target: Path, tracking_uri: str) -> Path:
    """Download a registered model's files (``models:/name/version`` or ``models:/name@alias``)
    into ``target`` from the registry at ``tracking_uri``.

    The version's files are located through our own client: MLflow 3.17 resolves a ``models:/``
    URI with the process's default registry whatever ``registry_uri`` it is given
    (``ModelsArtifactRepository._get_model_uri_infos``), so it would read another registry, or
    none, unless a global were set, and globals leak between runs in one process."""
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    name, version = _name_and_version(client, model_uri)
    source = client.get_model_version_download_uri(name, version)
    local = mlflow.artifacts.download_artifacts(
        artifact_uri=source, dst_path=str(target), tracking_uri=tracking_uri
    )
    return Path(local)


def _name_and_version(client: "MlflowClient", model_uri: str) -> tuple[str, str]:
    reference = model_uri.removeprefix("models:/")
    if "@" in reference:
        name, alias = reference.split("@", 1)
        return name, str(client.get_model_version_by_alias(name, alias).version)
    name, _, version = reference.partition("/")
    if not version:
        raise ValueError(f"{model_uri} names no version or alias (models:/NAME/VERSION)")
    return name, version


class ChampionWatcher:
    """Polls the registry; calls ``on_change(version)`` when the champion alias names another
    version than ``current``.

    ``current`` is the version the caller uses (None: none yet), not the alias read when the
    watcher starts: a caller that loads a version and only then starts watching would otherwise
    miss a move made while it was loading (serving took minutes to deploy, and a promotion in
    that window was never served)."""

    def __init__(
        self,
        tracking_uri: str,
        registered_model: str,
        poll_seconds: float,
        on_change: Callable[[str], None],
        *,
        current: str | None,
    ) -> None:
        self.tracking_uri = tracking_uri
        self.registered_model = registered_model
        self.poll_seconds = poll_seconds
        self.on_change = on_change
        self.current = current
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="champion-watcher", daemon=True)

    def check(self) -> bool:
        """One poll; True when the alias moved (and ``on_change`` ran)."""
        version = champion_version(self.tracking_uri, self.registered_model)
        if version is None or version == self.current:
            return False
        logger.info(
            "champion moved",
            extra={
                "model": self.registered_model,
                "from_version": self.current,
                "to_version": version,
            },
        )
        self.on_change(version)
        self.current = version
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.check()
            except Exception:
                logger.exception("champion check failed; will retry")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
