"""Train YOLOv8 and export it to ONNX: the part of the pipeline that runs in the vision
environment (``.venv-vision``), started by ``pipeline.run``. Standard library and ultralytics
only, so that it needs none of the main environment's packages.

    .venv-vision/bin/python -m pipelines.proctor_detector.train --data DATA.yaml \\
        --work-dir DIR --epochs 30 --result result.json
"""

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any


def absolute(path: str) -> Path:
    return Path(path).resolve()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train YOLOv8 and export it to ONNX.")
    # Absolute paths: ultralytics puts a relative project under its own runs folder.
    parser.add_argument("--data", type=absolute, required=True, help="a YOLO-format data YAML")
    parser.add_argument("--work-dir", type=absolute, required=True, help="runs, settings go here")
    parser.add_argument("--result", type=absolute, required=True, help="the JSON result file")
    parser.add_argument("--architecture", default="yolov8n.yaml")
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--image-size", type=int, default=320)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count() or 1, help="torch threads (every core)"
    )
    parser.add_argument("--overrides", default="{}", help="more ultralytics train args (JSON)")
    return parser.parse_args(argv)


def load_ultralytics(work_dir: Path) -> Any:
    """Import ultralytics with its settings in ``work_dir`` and nothing sent anywhere.

    ``YOLO_CONFIG_DIR`` is read when ultralytics is first imported, hence the late import
    (``YOLO_OFFLINE`` and ``YOLO_AUTOINSTALL`` were set by ``core.boot``, which the ``pipelines``
    package imports first).
    """
    os.environ.setdefault("YOLO_CONFIG_DIR", str(work_dir / "ultralytics-settings"))
    import ultralytics

    ultralytics.settings.update({"sync": False, "mlflow": False})
    return ultralytics


def training_arguments(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "data": str(args.data),
        "epochs": args.epochs,
        "imgsz": args.image_size,
        "batch": args.batch,
        "seed": args.seed,
        "device": "cpu",
        # plots=False: plotting fetches a font, and no label or result pictures are needed.
        "plots": False,
        "project": str(args.work_dir / "runs"),
        "name": "train",
        "exist_ok": True,
    }


class TorchThreads:
    """Gives training ``threads`` torch threads, and records how many each epoch ran with.

    ultralytics' device selection, run as its trainer is made, sets ``os.cpu_count() - 1``
    threads for CPU training (one on two cores); its callbacks run after that.
    """

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.per_epoch: list[int] = []

    def before_training(self, trainer: Any) -> None:
        import torch

        torch.set_num_threads(self.threads)

    def after_epoch(self, trainer: Any) -> None:
        import torch

        self.per_epoch.append(torch.get_num_threads())


def train_and_export(args: argparse.Namespace) -> dict[str, Any]:
    """Train from the architecture (no pretrained weights), keep the best epoch, export it."""
    ultralytics = load_ultralytics(args.work_dir)
    model = ultralytics.YOLO(args.architecture)
    threads = TorchThreads(args.threads)
    model.add_callback("on_pretrain_routine_start", threads.before_training)
    model.add_callback("on_train_epoch_end", threads.after_epoch)
    started = time.perf_counter()
    metrics = model.train(**{**training_arguments(args), **json.loads(args.overrides)})
    trained = time.perf_counter()
    onnx_path = model.export(format="onnx", imgsz=args.image_size, dynamic=False)
    return {
        "onnx": str(Path(onnx_path).resolve()),
        "results_csv": str(Path(model.trainer.save_dir) / "results.csv"),
        "metrics": {name: float(value) for name, value in metrics.results_dict.items()},
        "names": {str(index): name for index, name in model.names.items()},
        "train_seconds": round(trained - started, 2),
        "export_seconds": round(time.perf_counter() - trained, 2),
        "threads": min(threads.per_epoch),
        "versions": {"ultralytics": ultralytics.__version__, "torch": torch_version()},
    }


def torch_version() -> str:
    import torch

    return str(torch.__version__)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    result = train_and_export(args)
    args.result.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
