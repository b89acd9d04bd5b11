"""``wc dataset build``: build the SFT dataset from captured use and log it to MLflow."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

dataset_app = typer.Typer(
    help="Build the chat-format SFT dataset (tutor turns, approved items, OpenStax solutions).",
    no_args_is_help=True,
)
if TYPE_CHECKING:
    from pipelines.datasets.config import DatasetConfig
    from pipelines.datasets.pipeline import DatasetResult

console = Console(stderr=True)


@dataset_app.command("build")
def build(
    out: Annotated[
        Path | None, typer.Option(help="Dataset folder; default <data dir>/datasets/<time>.")
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"], help="Tutor turns from (UTC)."),
    ] = None,
    held_out: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            help="A JSON list of eval questions to hold out; default: every eval suite's.",
        ),
    ] = None,
    openstax: Annotated[
        list[Path] | None,
        typer.Option(exists=True, file_okay=False, help="An OpenStax book folder (repeatable)."),
    ] = None,
    validation_fraction: Annotated[float, typer.Option(min=0.0, max=0.99)] = 0.1,
) -> None:
    """Read the stores the API writes (settings as for `wc run`), build the dataset and log it as
    one MLflow run in the experiment `datasets`. Without --openstax, the eval books found under
    WC_OPENSTAX_DIR give the worked solutions (their held-out halves excluded)."""
    from pipelines.datasets.config import Source, config_from_settings

    overrides: dict[str, object] = {"validation_fraction": validation_fraction}
    if out is not None:
        overrides["out_dir"] = out
    if since is not None:
        overrides["since"] = since.replace(tzinfo=UTC)
    if openstax:
        overrides["openstax_books"] = tuple(openstax)
    if held_out is not None:
        overrides["held_out"] = _held_out_file(held_out)
    config = config_from_settings(overrides)
    if Source.OPENSTAX_SOLUTION not in config.sources:
        console.print("OpenStax solutions left out: no book found (--openstax DIR).")
    result = _run_with_progress(config)
    console.print(
        f"[green]✓[/] {result.folder}: {result.rows['train']} train, "
        f"{result.rows['validation']} validation rows; hash {result.hash[:16]}…; "
        f"MLflow run {result.run_id}"
    )
    dropped = ", ".join(f"{reason} {count}" for reason, count in result.dropped.items())
    console.print(f"  dropped: {dropped or 'nothing'}")


def _run_with_progress(config: "DatasetConfig") -> "DatasetResult":
    from pipelines.datasets.pipeline import run

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("starting", total=None)
        return run(config, lambda stage: progress.update(task, description=stage))


def _held_out_file(path: Path) -> tuple[str, ...]:
    questions = json.loads(path.read_text())
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise typer.BadParameter("the held-out file must hold a JSON list of strings")
    return tuple(questions)
