"""``wc mastery fit`` and ``wc items calibrate``: the refits, from the command line.

Both print a table and, with ``--json``, a JSON summary on stdout; the same entry points
(``fitting.fit_objectives``, ``calibration.calibrate_items``) are what a pipeline calls.
"""

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from core.infra.database import Database
from core.progress_bar import counted_progress
from platform_api.mastery.settings import MasterySettings
from platform_api.wiring import run_with_database

mastery_app = typer.Typer(
    help="Knowledge tracing (BKT) per learning objective.", no_args_is_help=True
)
items_app = typer.Typer(help="Item statistics from live responses.", no_args_is_help=True)
console = Console(stderr=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print a JSON summary on stdout.")]


def _progress(quiet: bool) -> Progress:
    return counted_progress(console, disable=quiet)


@mastery_app.command("fit")
def fit(as_json: JsonFlag = False) -> None:
    """Fit prior, learn, guess and slip per objective by EM from every graded answer, then
    recompute every learner's mastery with the new parameters."""
    from platform_api.mastery.fitting import FitSummary, fit_objectives

    progress = _progress(as_json)

    async def work(database: Database) -> FitSummary:
        with progress:
            task = progress.add_task("Fitting objectives", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            return await fit_objectives(database, MasterySettings(), report)

    summary = run_with_database(work)
    rows = [
        {
            "objective_id": str(f.objective_id),
            "fitted": f.fitted,
            "learners": f.learners,
            "answers": f.answers,
            "prior": f.parameters.prior,
            "learn": f.parameters.learn,
            "guess": f.parameters.guess,
            "slip": f.parameters.slip,
            "log_likelihood": f.log_likelihood,
            "iterations": f.iterations,
        }
        for f in summary.objectives
    ]
    if as_json:
        typer.echo(json.dumps({"objectives": rows, "states": summary.states}, indent=2))
        return
    table = Table("objective", "fitted", "learners", "answers", "prior", "learn", "guess", "slip")
    for row in rows:
        table.add_row(
            str(row["objective_id"]),
            "yes" if row["fitted"] else "no (defaults kept)",
            *(str(row[name]) for name in ("learners", "answers")),
            *(f"{row[name]:.3f}" for name in ("prior", "learn", "guess", "slip")),
        )
    console.print(table)
    console.print(f"[green]✓[/] {len(rows)} objectives, {summary.states} learner states")


@items_app.command("calibrate")
def calibrate(as_json: JsonFlag = False) -> None:
    """Recompute each answered item's difficulty, point-biserial discrimination and (with
    enough responses) 2PL IRT, and flag items for the content review queue."""
    from platform_api.mastery.calibration import ItemFigures, calibrate_items

    progress = _progress(as_json)

    async def work(database: Database) -> list[ItemFigures]:
        with progress:
            task = progress.add_task("Calibrating items", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            return await calibrate_items(database, MasterySettings(), report)

    figures = run_with_database(work)
    flagged = [f for f in figures if f.flags]
    if as_json:
        rows = [
            {
                "item_id": str(f.item_id),
                "responses": f.responses,
                "difficulty": f.difficulty,
                "discrimination": f.discrimination,
                "irt": f.irt,
                "flags": f.flags,
            }
            for f in figures
        ]
        typer.echo(json.dumps({"items": rows, "flagged": len(flagged)}, indent=2))
        return
    table = Table("flagged item", "responses", "share correct", "point-biserial", "flags")
    for f in flagged:
        r = "—" if f.discrimination is None else f"{f.discrimination:.2f}"
        table.add_row(
            str(f.item_id), str(f.responses), f"{f.difficulty:.2f}", r, ", ".join(f.flags)
        )
    console.print(table)
    console.print(f"[green]✓[/] {len(figures)} items calibrated, {len(flagged)} flagged for review")
