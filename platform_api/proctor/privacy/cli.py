"""``wc proctor purge``: the evidence purge run by hand, as the API's scheduled job runs it."""

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from core.infra.database import Database
from core.infra.objects.config import ObjectStoreConfig, open_object_store
from core.settings import Settings
from platform_api.assessments.clock import server_now
from platform_api.proctor.privacy.purge import (
    PurgeCounts,
    RetentionPolicy,
    due_for_purge,
    purge_due,
)
from platform_api.wiring import run_with_database

console = Console(stderr=True)


def purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what is due for purging; change nothing.")
    ] = False,
) -> None:
    """Purge the proctoring evidence that is due: keyframes and timeline events of sittings
    settled WC_PROCTOR_RETENTION_DAYS ago, or never reviewed and ended
    WC_PROCTOR_UNREVIEWED_RETENTION_DAYS ago. Prints the counts."""
    settings = Settings()
    policy = RetentionPolicy.from_settings(settings)
    now = server_now()

    async def work(database: Database) -> PurgeCounts:
        due = await due_for_purge(database, policy, now)
        if dry_run or not due.sessions:
            return due
        objects = open_object_store(ObjectStoreConfig.from_settings(settings))
        columns = (TextColumn("Purging sessions"), BarColumn(), MofNCompleteColumn())
        try:
            with Progress(*columns, console=console, transient=True) as progress:
                task = progress.add_task("purge", total=due.sessions)
                return await purge_due(
                    database,
                    objects,
                    policy,
                    now,
                    lambda batch: progress.advance(task, batch.sessions),
                )
        finally:
            await objects.close()

    counts = run_with_database(work)
    done = "Due for purging" if dry_run else "Purged"
    typer.echo(
        f"{done}: {counts.sessions} sessions, {counts.keyframes} keyframes, {counts.events} events"
    )
