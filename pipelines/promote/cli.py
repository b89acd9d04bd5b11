"""``wc models promote`` and ``wc models rollback``: the gate and its undo, from the shell."""

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.command_line import exits_on

console = Console()


def promote(
    version: Annotated[str, typer.Argument(help="The registered version to judge.")],
    name: Annotated[str, typer.Option(help="The registered model.")] = "tutor-llm",
    suites: Annotated[
        str, typer.Option(help="Comma-separated suites both models run.")
    ] = "model,tutor,safety",
    target_suite: Annotated[str, typer.Option(help="The suite that must improve.")] = "model",
    limit: Annotated[int | None, typer.Option(min=1, help="Questions per suite part.")] = 40,
    seed: int = 0,
) -> None:
    """Evaluate VERSION and the champion on the same suites; promote VERSION only if it is
    better beyond the intervals and regresses nowhere."""
    from pipelines.promote.config import PromotionConfig
    from pipelines.promote.pipeline import run
    from serving.settings import ServingSettings

    config = PromotionConfig(
        registered_model=name,
        candidate_version=version,
        tracking_uri=ServingSettings().tracking_uri,
        suites=tuple(s.strip() for s in suites.split(",") if s.strip()),
        target_suite=target_suite,
        limit=limit,
        seed=seed,
    )
    with console.status(f"Evaluating {name} v{version} and the champion (serving each in turn)…"):
        result = run(config)
    table = Table("suite.metric", "champion", "candidate", "difference [95 %]")
    for suite, deltas in result.decision.deltas.items():
        for delta in deltas:
            d = delta.difference
            shown = f"{d.mean:+.3f} [{d.low:+.3f}, {d.high:+.3f}]" if d else "-"
            table.add_row(
                f"{suite}.{delta.metric.name}",
                "-" if delta.before is None else f"{delta.before:.3f}",
                "-" if delta.after is None else f"{delta.after:.3f}",
                f"{shown} {delta.verdict}",
            )
    console.print(table)
    verdict = "[green]promoted[/]" if result.decision.promote else "[red]rejected[/]"
    console.print(f"{name} v{version}: {verdict}: {result.decision.reason}")
    console.print(f"MLflow run {result.run_id}")


def rollback(
    name: Annotated[str, typer.Argument(help="The registered model.")] = "tutor-llm",
    reason: Annotated[str, typer.Option(help="Why, for the record.")] = "rolled back by hand",
) -> None:
    """Point `champion` back at the previous champion; the Serve application follows it."""
    from pipelines.promote.champion import NothingToRollBack
    from pipelines.promote.pipeline import rollback as roll_back
    from serving.settings import ServingSettings

    with exits_on(console, NothingToRollBack, headline="✗", code=1):
        result = roll_back(name, ServingSettings().tracking_uri, reason)
    console.print(
        f"[green]✓[/] {name}: champion v{result.from_version} → v{result.to_version} "
        f"(MLflow run {result.run_id})"
    )
