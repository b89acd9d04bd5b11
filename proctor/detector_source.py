"""Where the object detector comes from: the ONNX file ``WC_PROCTOR_DETECTOR_PATH`` names, else
the version the MLflow registry's ``champion`` alias names (followed as it moves, with the same
watcher the LLM deployment uses). With neither, or when loading fails, there is no detector and
the state says why: the object analyser then reports ``unavailable``, never ``ok``.
"""

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from core.model_registry import ChampionWatcher, champion_version, download, version_uri
from proctor.detector import OnnxDetector
from proctor.settings import ProctorSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DetectorState:
    """The detector in use and where it came from (a path or a model version URI), or none and
    the reason."""

    detector: OnnxDetector | None
    origin: str = ""
    reason: str = ""


class DetectorSource:
    """One per process (a Serve replica), shared by the object analysers of its sessions: they
    read ``state`` on every frame, and a move of the alias swaps it whole."""

    def __init__(self, settings: ProctorSettings) -> None:
        self._settings = settings
        self._watcher: ChampionWatcher | None = None
        self._state = DetectorState(None, reason="not started")

    @property
    def state(self) -> DetectorState:
        return self._state

    def start(self) -> "DetectorSource":
        """Load the configured detector; follow the registry's alias when that is the source."""
        settings = self._settings
        if settings.detector_path:
            self._state = self._load_file(Path(settings.detector_path))
        elif settings.mlflow_tracking_uri:
            self._follow_champion()
        else:
            self._state = DetectorState(
                None,
                reason="no detector configured (WC_PROCTOR_DETECTOR_PATH or "
                "WC_PROCTOR_MLFLOW_TRACKING_URI)",
            )
        return self

    def refresh(self) -> bool:
        """Check the alias now (the watcher also does every ``detector_poll_seconds``); True when
        it moved and the new version was loaded."""
        return self._watcher.check() if self._watcher else False

    def stop(self) -> None:
        if self._watcher:
            self._watcher.stop()

    def _load_file(self, path: Path) -> DetectorState:
        try:
            return DetectorState(self._detector(path.read_bytes()), origin=str(path))
        except Exception as error:  # any unreadable model leaves the check unavailable
            logger.exception("detector not loaded", extra={"path": str(path)})
            return DetectorState(None, reason=f"detector {path} could not be loaded: {error}")

    def _follow_champion(self) -> None:
        settings = self._settings
        self._watcher = ChampionWatcher(
            settings.mlflow_tracking_uri,
            settings.detector_model_name,
            settings.detector_poll_seconds,
            self._load_version,
            current=champion_version(settings.mlflow_tracking_uri, settings.detector_model_name),
        )
        if self._watcher.current is None:
            self._state = DetectorState(
                None, reason=f"no `champion` version of {settings.detector_model_name} yet"
            )
        else:
            try:
                self._load_version(self._watcher.current)
            except Exception as error:  # a later move of the alias gets another try
                logger.exception("champion detector not loaded")
                self._state = DetectorState(
                    None, reason=f"champion {self._watcher.current} could not be loaded: {error}"
                )
        self._watcher.start()

    def _load_version(self, version: str) -> None:
        """Download one version's ONNX file and swap it in; raises (keeping the detector in use,
        and the watcher retrying) when it cannot be loaded."""
        uri = version_uri(self._settings.detector_model_name, version)
        with tempfile.TemporaryDirectory(prefix="proctor-detector-") as scratch:
            local = download(uri, Path(scratch), self._settings.mlflow_tracking_uri)
            onnx_files = sorted(local.rglob("*.onnx"))
            if not onnx_files:
                raise FileNotFoundError(f"{uri} holds no .onnx file")
            detector = self._detector(onnx_files[0].read_bytes())
        self._state = DetectorState(detector, origin=uri)
        logger.info("detector loaded", extra={"model_uri": uri})

    def _detector(self, model: bytes) -> OnnxDetector:
        return OnnxDetector(
            model, self._settings.detector_min_confidence, self._settings.detector_threads
        )
