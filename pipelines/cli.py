"""``wc pipeline``: run a registered pipeline (here, or as a Ray job on ``WC_RAY_ADDRESS``'s
cluster), list them, and schedule them from ``WC_PIPELINE_SCHEDULE``.

Also runnable as ``python -m pipelines.cli``: what the scheduler starts for each firing and what
a submitted Ray job runs, without the web layer's command line.
"""

import json
import logging
import os
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from core.command_line import exits_on
from core.progress_bar import counted_progress
from pipelines.registry import PIPELINES, RegisteredPipeline, UnknownPipeline, get_pipeline

pipeline_app = typer.Typer(
    help="Run and schedule the ML pipelines (each run is one MLflow run).", no_args_is_help=True
)
console = Console(stderr=True)
logger = logging.getLogger(__name__)


def parse_overrides(items: list[str]) -> dict[str, str]:
    overrides = {}
    for item in items:
        field, equals, value = item.partition("=")
        if not equals or not field.strip():
            raise typer.BadParameter(f"{item!r}: write FIELD=VALUE", param_hint="--set")
        overrides[field.strip()] = value
    return overrides


@pipeline_app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="A pipeline (see `wc pipeline list`).")],
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a config field: FIELD=VALUE (repeatable)."),
    ] = None,
    here: Annotated[
        bool,
        typer.Option(
            "--here", help="Run in this process even when WC_RAY_ADDRESS names a cluster."
        ),
    ] = False,
    wait: Annotated[bool, typer.Option(help="On a cluster: follow the job to its end.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run one pipeline: in this process (a local Ray when it needs Ray), or submitted as a Ray
    job when WC_RAY_ADDRESS names a cluster."""
    from serving.settings import ServingSettings

    pipeline = _pipeline(name)
    overrides = parse_overrides(set_ or [])
    ray_address = ServingSettings().ray_address
    if ray_address and not here:
        _submit(pipeline, overrides, ray_address, wait)
        return
    try:
        config = pipeline.config(overrides)
        result = _run_with_progress(pipeline, config)
    except Exception as error:
        console.print(f"[bold red]{name} failed:[/] {type(error).__name__}: {error}")
        raise typer.Exit(1) from error
    _print_result(name, result, as_json)


def _pipeline(name: str) -> RegisteredPipeline:
    with exits_on(console, UnknownPipeline):
        return get_pipeline(name)


def _run_with_progress(pipeline: RegisteredPipeline, config: Any) -> Any:
    progress = counted_progress(console)
    with progress:
        task = progress.add_task(f"{pipeline.name}", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return pipeline.run(config, progress=report)


def _print_result(name: str, result: Any, as_json: bool) -> None:
    values = result.model_dump(mode="json") if hasattr(result, "model_dump") else vars(result)
    if as_json:
        typer.echo(json.dumps(values, indent=2, default=str))
        return
    table = Table(title=f"{name}: done", show_header=False)
    for field, value in values.items():
        table.add_row(field, str(value))
    console.print(table)


def _submit(
    pipeline: RegisteredPipeline, overrides: dict[str, str], ray_address: str, wait: bool
) -> None:
    from pipelines.jobs import JobRefused, jobs_address, submit
    from pipelines.settings import PipelineSettings

    with exits_on(console, JobRefused):
        address = jobs_address(ray_address, PipelineSettings().jobs_address)
        with console.status(f"{pipeline.name}: submitted to {address}…") as status:
            outcome = submit(
                pipeline.name,
                overrides,
                address,
                wait=wait,
                on_status=lambda state: status.update(f"{pipeline.name}: {state.lower()}…"),
            )
    if outcome.logs:
        typer.echo(outcome.logs)
    console.print(f"Ray job {outcome.job_id}: {outcome.status}")
    if wait and outcome.status != "SUCCEEDED":
        raise typer.Exit(1)


@pipeline_app.command("list")
def list_pipelines() -> None:
    """The pipelines that can run, and when the schedule fires them next."""
    from pipelines.schedule.cron import CronError
    from pipelines.schedule.scheduler import parse_schedule
    from pipelines.settings import PipelineSettings

    settings = PipelineSettings()
    with exits_on(console, CronError):
        entries = parse_schedule(settings.schedule, PIPELINES)
    zone = _zone(settings.timezone)
    now = datetime.now(UTC)
    table = Table("pipeline", "what it does", f"schedule ({settings.timezone})", "next")
    for pipeline in PIPELINES.values():
        mine = [entry for entry in entries if entry.name == pipeline.name]
        table.add_row(
            pipeline.name,
            pipeline.summary,
            "; ".join(entry.cron.source for entry in mine) or "-",
            ", ".join(f"{entry.cron.next_after(now, zone):%Y-%m-%d %H:%M}" for entry in mine)
            or "-",
        )
    console.print(table)


@pipeline_app.command("schedule")
def schedule() -> None:
    """Run forever, firing pipelines at the times WC_PIPELINE_SCHEDULE gives (cron syntax,
    e.g. 'embeddings=0 3 * * *'); each firing runs `wc pipeline run NAME` as a child process."""
    from pipelines.schedule.cron import CronError
    from pipelines.schedule.scheduler import Scheduler, launch_process, parse_schedule
    from pipelines.settings import PipelineSettings

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = PipelineSettings()
    with exits_on(console, CronError):
        entries = parse_schedule(settings.schedule, PIPELINES)
        scheduler = Scheduler(
            entries,
            launch_process,
            zone=_zone(settings.timezone),
            poll_seconds=settings.poll_seconds,
        )
    console.print(
        f"Scheduling {len(entries)} pipeline firing(s) (pid {os.getpid()}); Ctrl-C stops."
    )
    try:
        scheduler.run_forever()
    except KeyboardInterrupt:
        console.print("Scheduler stopped; runs it started go on to their end.")


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        console.print(f"[bold red]unknown time zone {name!r} (WC_PIPELINE_TIMEZONE)[/]")
        raise typer.Exit(2) from error


if __name__ == "__main__":
    pipeline_app()
