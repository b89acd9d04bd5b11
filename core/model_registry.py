"""The MLflow model registry hook: the version a registered model's ``champion`` alias names,
and a watcher that notices the alias moving. Shared by everything that serves a registered model
(the LLM in ``serving``, the object detector in ``proctor``)."""

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)

CHAMPION_ALIAS = "champion"


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


class ChampionWatcher:
    """Polls the registry; calls ``on_change(version)`` when the champion alias moves."""

    def __init__(
        self,
        tracking_uri: str,
        registered_model: str,
        poll_seconds: float,
        on_change: Callable[[str], None],
    ) -> None:
        self.tracking_uri = tracking_uri
        self.registered_model = registered_model
        self.poll_seconds = poll_seconds
        self.on_change = on_change
        self.current = champion_version(tracking_uri, registered_model)
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
