"""Runs ``train`` in the vision environment as a subprocess and reads back what it made."""

import json
import os
import subprocess
from pathlib import Path

from pydantic import BaseModel

from pipelines.proctor_detector.config import SOURCE_ROOT, DetectorTrainingConfig

LOG_TAIL_LINES = 30


class VisionEnvironmentMissing(RuntimeError):
    pass


class VisionTrainingFailed(RuntimeError):
    pass


class TrainingOutcome(BaseModel):
    """What ``train`` writes to its result file."""

    onnx: Path
    results_csv: Path
    metrics: dict[str, float]
    names: dict[str, str]
    train_seconds: float
    export_seconds: float
    threads: int
    versions: dict[str, str]


def training_log(config: DetectorTrainingConfig) -> Path:
    return config.work_dir / "train.log"


def train_in_vision_env(config: DetectorTrainingConfig) -> TrainingOutcome:
    """Train and export in ``config.vision_python``; its output goes to ``training_log``."""
    if not config.vision_python.is_file():
        raise VisionEnvironmentMissing(
            f"{config.vision_python} not found: build the vision environment with `make vision-env`"
        )
    config.work_dir.mkdir(parents=True, exist_ok=True)
    result = config.work_dir / "result.json"
    result.unlink(missing_ok=True)
    log = training_log(config)
    with log.open("w") as output:
        completed = subprocess.run(
            _command(config, result),
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=config.work_dir,
            env=_environment(),
            check=False,
        )
    if completed.returncode != 0 or not result.is_file():
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:])
        raise VisionTrainingFailed(f"training exited with {completed.returncode}:\n{tail}")
    return TrainingOutcome.model_validate_json(result.read_text())


def _command(config: DetectorTrainingConfig, result: Path) -> list[str]:
    return [
        str(config.vision_python),
        "-m",
        "pipelines.proctor_detector.train",
        f"--data={config.data.resolve()}",
        f"--work-dir={config.work_dir.resolve()}",
        f"--result={result.resolve()}",
        f"--architecture={config.architecture}",
        f"--epochs={config.epochs}",
        f"--image-size={config.image_size}",
        f"--batch={config.batch}",
        f"--seed={config.seed}",
        f"--overrides={json.dumps(config.overrides)}",
        *([f"--threads={config.threads}"] if config.threads else []),
    ]


def _environment() -> dict[str, str]:
    """This process's environment (its offline switches included), with only this checkout on
    the path: none of the main environment's packages may shadow the vision environment's."""
    return {**os.environ, "PYTHONPATH": str(SOURCE_ROOT)}
