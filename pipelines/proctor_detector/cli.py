"""``wc detector``: make a synthetic dataset, train and register the proctor's object detector."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

detector_app = typer.Typer(
    help="Train the proctor's object detector (YOLOv8 → ONNX → MLflow).", no_args_is_help=True
)
console = Console(stderr=True)


@detector_app.command("train")
def train(
    data: Annotated[Path, typer.Argument(help="A YOLO-format data YAML.", exists=True)],
    epochs: Annotated[int, typer.Option(min=1)] = 50,
    image_size: Annotated[int, typer.Option(help="Square input, a multiple of 32.")] = 320,
    batch: Annotated[int, typer.Option(min=1)] = 16,
    seed: int = 0,
    threads: Annotated[
        int | None, typer.Option(min=1, help="Torch threads; every core when unset.")
    ] = None,
    promote: Annotated[
        bool, typer.Option(help="Point the `champion` alias (what the proctor loads) at it.")
    ] = False,
) -> None:
    """Train in the vision environment, register the ONNX file as `proctor-detector`."""
    from pipelines.proctor_detector.config import DetectorTrainingConfig
    from pipelines.proctor_detector.pipeline import run
    from serving.settings import ServingSettings

    settings = ServingSettings()
    config = DetectorTrainingConfig(
        data=data,
        tracking_uri=settings.tracking_uri,
        work_dir=settings.data_dir / "proctor-detector",
        epochs=epochs,
        image_size=image_size,
        batch=batch,
        seed=seed,
        threads=threads,
        promote=promote,
    )
    with console.status(f"Training for {epochs} epochs in the vision environment…"):
        result = run(config)
    metrics = ", ".join(f"{name} {value:.3f}" for name, value in sorted(result.metrics.items()))
    console.print(f"[green]✓[/] {result.model_uri} (run {result.run_id}): {metrics}")
    if result.promoted:
        console.print("[green]✓[/] it is the `champion` now")


@detector_app.command("synthesize")
def synthesize(
    out_dir: Annotated[Path, typer.Argument(help="Where the images, labels and data.yaml go.")],
    images: Annotated[int, typer.Option(min=2)] = 64,
    seed: int = 0,
) -> None:
    """Composite a drawn phone and real book pages into bundled photos (proves the mechanics,
    not real-world accuracy)."""
    from pipelines.proctor_detector.synthetic import write_dataset

    console.print(f"[green]✓[/] {write_dataset(out_dir, images, seed)}")
