"""``wc eval``: run a suite against a model and compare two runs."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.progress_bar import counted_progress

if TYPE_CHECKING:
    from evals.runner import SuiteRun

eval_app = typer.Typer(
    help="Evaluation suites: run one against a model, compare two runs.", no_args_is_help=True
)
console = Console()


@eval_app.command("list")
def list_suites() -> None:
    """The suites, their dataset versions and target metrics."""
    from evals.catalogue import SUITES

    table = Table("suite", "dataset", "target metric", "needs a model", "what it measures")
    for suite in SUITES.values():
        needs = "yes" if suite.needs_llm else "no"
        table.add_row(suite.name, suite.version, suite.thresholds.target, needs, suite.description)
    console.print(table)


@eval_app.command("run")
def run(
    suite: Annotated[str, typer.Argument(help="retrieval, tutor, safety, … (wc eval list)")],
    model: Annotated[
        str | None,
        typer.Option(
            help="An MLflow model URI (models:/name@alias) or any `wc models prepare` "
            "source, served by vLLM for the run (read in process when the suite only "
            "scores log-probabilities: the model suite)."
        ),
    ] = None,
    endpoint: Annotated[
        str | None, typer.Option(help="An OpenAI-compatible base URL (…/v1) to evaluate as it is.")
    ] = None,
    judge_endpoint: Annotated[
        str | None, typer.Option(help="Another model to judge free text (default: the model).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Sample size (default: all).")] = None,
    seed: int = 0,
    books_dir: Annotated[Path | None, typer.Option(help="The OpenStax books.")] = None,
) -> None:
    """Run SUITE, print its figures with 95 % intervals and the MLflow run id."""
    from evals.catalogue import suite_named
    from evals.evaluation import evaluate
    from evals.heldout import default_books_dir

    chosen = suite_named(suite)
    if chosen.needs_llm and not (model or endpoint):
        raise typer.BadParameter("this suite needs --model or --endpoint")
    with counted_progress(Console(stderr=True), label=f"[bold]{suite}") as bar:
        task = bar.add_task("questions", total=None)
        [result] = evaluate(
            [chosen],
            model_uri=model,
            endpoint=endpoint,
            judge_endpoint=judge_endpoint,
            books_dir=books_dir or default_books_dir(),
            limit=limit,
            seed=seed,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    print_run(result)


def print_run(result: "SuiteRun") -> None:
    table = Table("metric", "mean", "95 % interval", "n", "passes")
    for name, estimate in result.estimates.items():
        mark = "[green]yes[/]" if result.passed[name] else "[red]no[/]"
        interval = f"[{estimate.low:.3f}, {estimate.high:.3f}]"
        table.add_row(name, f"{estimate.mean:.3f}", interval, str(estimate.n), mark)
    console.print(table)
    console.print(
        f"{result.suite} ({result.version}) on {result.target}: {len(result.examples)} examples "
        f"in {result.seconds:.0f}s; MLflow run [bold]{result.run_id}[/]"
    )


@eval_app.command("compare")
def compare_runs(
    run_a: Annotated[str, typer.Argument(help="The MLflow run id of the baseline.")],
    run_b: Annotated[str, typer.Argument(help="The MLflow run id of the candidate.")],
) -> None:
    """Print B - A for each metric with its bootstrap interval, and what the gate would call it."""
    from evals.compare import compare, load_run
    from serving.settings import ServingSettings

    tracking_uri = ServingSettings().tracking_uri
    before, after = load_run(tracking_uri, run_a), load_run(tracking_uri, run_b)
    table = Table("metric", "A", "B", "B - A", "95 % interval", "verdict")
    for delta in compare(before, after):
        a = "–" if delta.before is None else f"{delta.before:.3f}"
        b = "–" if delta.after is None else f"{delta.after:.3f}"
        if delta.difference is None:
            table.add_row(delta.metric.name, a, b, "–", "–", delta.verdict)
            continue
        d = delta.difference
        colour = {"improved": "green", "regressed": "red"}.get(delta.verdict, "white")
        table.add_row(
            delta.metric.name,
            a,
            b,
            f"{d.mean:+.3f}",
            f"[{d.low:+.3f}, {d.high:+.3f}]",
            f"[{colour}]{delta.verdict}[/]",
        )
    console.print(table)
    console.print(f"{before.suite}: {before.target} → {after.target}")
