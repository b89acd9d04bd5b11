"""What one training run of the detector takes: the dataset, the registry, the training knobs."""

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

# The checkout this package lives in: `make vision-env` builds the vision environment there.
SOURCE_ROOT = Path(__file__).resolve().parents[2]
REGISTERED_MODEL = "proctor-detector"


def default_vision_python() -> Path:
    return SOURCE_ROOT / ".venv-vision" / "bin" / "python"


class DetectorTrainingConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    data: Path = Field(description="A YOLO-format data YAML (train/val image folders, names).")
    tracking_uri: str = Field(description="MLflow tracking and registry URI.")
    work_dir: Path = Field(description="Ultralytics' runs, settings and the training log.")
    registered_model: str = REGISTERED_MODEL
    experiment: str = REGISTERED_MODEL
    promote: bool = Field(False, description="Point the `champion` alias at the new version.")
    architecture: str = Field("yolov8n.yaml", description="Trained from scratch: no weights.")
    epochs: int = Field(50, ge=1)
    image_size: int = Field(320, ge=32, multiple_of=32)
    batch: int = Field(16, ge=1)
    seed: int = 0
    threads: int | None = Field(
        None,
        ge=1,
        description="Torch threads for training; every core when unset (ultralytics alone would "
        "keep one core free: a single thread on a 2-core machine).",
    )
    overrides: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="More ultralytics train arguments (mosaic=0.0, …)."
    )
    vision_python: Path = Field(default_factory=default_vision_python)
