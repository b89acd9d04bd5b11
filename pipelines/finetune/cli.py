"""``wc finetune``: LoRA-fine-tune the served base model on an SFT dataset and register the result
(the ``champion`` alias stays where it is; the gate moves it)."""

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from core.progress_bar import counted_progress
from pipelines.finetune.config import FinetuneConfig

finetune_app = typer.Typer(
    help="LoRA fine-tuning of the served model, tracked and registered in MLflow.",
    no_args_is_help=True,
)
console = Console(stderr=True)


def _default(field: str) -> Any:
    return FinetuneConfig.model_fields[field].default


@finetune_app.command("run")
def run(
    dataset: Annotated[
        str, typer.Argument(help="A dataset folder or its MLflow run's runs:/<run_id>/dataset.")
    ],
    steps: Annotated[int, typer.Option(min=1)] = _default("steps"),
    batch_size: Annotated[int, typer.Option(min=1)] = _default("batch_size"),
    max_length: Annotated[int, typer.Option(min=8, help="Tokens per row.")] = _default(
        "max_length"
    ),
    learning_rate: Annotated[float, typer.Option(min=0.0)] = _default("learning_rate"),
    warmup_steps: Annotated[int, typer.Option(min=0)] = _default("warmup_steps"),
    lora_r: Annotated[int, typer.Option(min=1)] = _default("lora_r"),
    lora_alpha: Annotated[int, typer.Option(min=1)] = _default("lora_alpha"),
    lora_dropout: Annotated[float, typer.Option(min=0.0, max=0.99)] = _default("lora_dropout"),
    target_modules: Annotated[str, typer.Option(help="Comma-separated module names.")] = ",".join(
        _default("target_modules")
    ),
    base_model: Annotated[
        str | None,
        typer.Option(help="Model source (default: the served one, WC_MODEL_SOURCE)."),
    ] = None,
    registered_model: str = _default("registered_model"),
    work_dir: Annotated[
        Path | None,
        typer.Option(help="Checkpoints; default: one per config under the data dir."),
    ] = None,
    checkpoint_every: Annotated[int, typer.Option(min=1)] = _default("checkpoint_every"),
    log_every: Annotated[int, typer.Option(min=1, help="Steps between MLflow writes.")] = _default(
        "log_every"
    ),
    validation_rows: Annotated[int, typer.Option(min=0)] = _default("validation_rows"),
    seed: int = _default("seed"),
    device: Annotated[str, typer.Option(help="cpu, cuda, cuda:1, …")] = _default("device"),
    dtype: Annotated[str, typer.Option(help="float32, bfloat16 or float16.")] = _default("dtype"),
    save_dtype: Annotated[
        str | None, typer.Option(help="dtype of the registered weights (default: --dtype).")
    ] = None,
) -> None:
    """Train, log loss and learning rate per step, register a new version. Run the same command
    again after an interruption: it resumes from the last checkpoint."""
    from pydantic import ValidationError

    from pipelines.finetune.loop import StepReport
    from pipelines.finetune.pipeline import run as run_finetune
    from serving.settings import ServingSettings

    settings = ServingSettings()
    try:
        # Validated by pydantic (the dtypes are literals typer passes as text).
        config = FinetuneConfig.model_validate(
            {
                "dataset": dataset,
                "tracking_uri": settings.tracking_uri,
                "base_model": base_model or settings.model_source,
                "registered_model": registered_model,
                "work_dir": work_dir,
                "lora_r": lora_r,
                "lora_alpha": lora_alpha,
                "lora_dropout": lora_dropout,
                "target_modules": tuple(name.strip() for name in target_modules.split(",")),
                "steps": steps,
                "batch_size": batch_size,
                "max_length": max_length,
                "learning_rate": learning_rate,
                "warmup_steps": warmup_steps,
                "seed": seed,
                "checkpoint_every": checkpoint_every,
                "log_every": log_every,
                "validation_rows": validation_rows,
                "device": device,
                "dtype": dtype,
                "save_dtype": save_dtype,
            }
        )
    except ValidationError as error:
        console.print(f"[red]✗[/] {error}")
        raise typer.Exit(2) from None
    progress = counted_progress(console, remaining=True)
    with progress:
        task = progress.add_task("loading the model and the dataset", total=config.steps)

        def report(step: StepReport) -> None:
            description = f"step {step.step} · loss {step.loss:.4f} · lr {step.learning_rate:.2e}"
            progress.update(task, completed=step.step, description=description)

        try:
            result = run_finetune(config, progress=report)
        except (ValueError, FileNotFoundError, RuntimeError) as error:
            console.print(f"[red]✗[/] {error}")
            raise typer.Exit(1) from None
    if result.resumed_from_step is not None:
        console.print(f"resumed from the checkpoint of step {result.resumed_from_step}")
    before, after = result.validation_loss_before, result.validation_loss_after
    if before is not None and after is not None:
        console.print(f"validation loss {before:.4f} → {after:.4f}")
    pace = f", {result.seconds_per_step:.2f} s/step" if result.seconds_per_step else ""
    console.print(
        f"[green]✓[/] {result.model_uri} (run {result.run_id}): "
        f"final loss {result.final_loss:.4f} after {result.steps} steps{pace}"
    )
