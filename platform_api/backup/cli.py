"""``wc backup``: back up a running (or stopped) instance, restore a backup into a fresh one."""

import asyncio
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import Progress, TaskID

from core.command_line import exits_on
from core.progress_bar import counted_progress
from core.settings import Settings
from platform_api.backup import analytics
from platform_api.backup.manifest import AnalyticsTable, BackupInvalid
from platform_api.backup.service import AnalyticsSource, Step, create_backup, restore_backup
from platform_api.backup.service import Progress as ProgressReport
from platform_api.wiring import build_analytics

backup_app = typer.Typer(help="Back up and restore an instance's data.", no_args_is_help=True)
console = Console(stderr=True)
LOGIN_TIMEOUT_SECONDS = 30.0


def _instance_answers(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=5.0).status_code == 200
    except httpx.HTTPError:
        return False


def _admin_token(base_url: str, email: str | None, password: str | None) -> str:
    if not email or not password:
        raise BackupInvalid(
            "The instance is running and holds its embedded analytics store: give an admin's "
            "--admin-email and WC_ADMIN_PASSWORD so the backup can read it through the API."
        )
    answer = httpx.post(
        f"{base_url}/api/v1/auth/login",
        json={"email": email, "password": password},
        timeout=LOGIN_TIMEOUT_SECONDS,
    )
    if answer.status_code != 200:
        raise BackupInvalid(f"The instance refused the admin sign-in: {answer.text}")
    return str(answer.json()["access_token"])


def analytics_source(
    settings: Settings, base_url: str, email: str | None, password: str | None
) -> AnalyticsSource:
    """A ClickHouse server or a stopped instance's chDB store directly; else through the API."""
    if not settings.clickhouse_url and _instance_answers(base_url):
        token = _admin_token(base_url, email, password)

        async def through_instance(folder: Path) -> dict[str, AnalyticsTable]:
            return await analytics.export_through_instance(base_url, token, folder)

        return through_instance

    async def direct(folder: Path) -> dict[str, AnalyticsTable]:
        store = build_analytics(settings)
        try:
            await store.ensure_schema()
            return await analytics.export_from_store(store, folder)
        finally:
            await store.close()

    return direct


def _reporters(bar: Progress, task: TaskID) -> tuple[Step, ProgressReport]:
    """The step being done as the bar's label; counted work (objects) as its bar."""

    def step(what: str) -> None:
        bar.update(task, description=what, completed=0, total=None)

    def progress(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return step, progress


@backup_app.command("create")
def create(
    target: Annotated[Path, typer.Argument(help="A new (or empty) folder for the backup.")],
    admin_email: Annotated[
        str | None,
        typer.Option(envvar="WC_ADMIN_EMAIL", help="An admin, when the instance is running."),
    ] = None,
    admin_password: Annotated[
        str | None, typer.Option(envvar="WC_ADMIN_PASSWORD", hidden=True)
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="The running instance's URL (default: this host's).")
    ] = None,
) -> None:
    """Back up the database (one snapshot), the objects and the analytics tables. Keys are not
    in it: keep <data_dir>/keys (or your key settings) apart."""
    settings = Settings()
    with exits_on(console, BackupInvalid, headline="Backup failed:"):
        source = analytics_source(settings, url or settings.local_url, admin_email, admin_password)
        with counted_progress(console) as bar:
            task = bar.add_task("Backing up", total=None)
            manifest = asyncio.run(create_backup(settings, target, source, *_reporters(bar, task)))
    rows = sum(manifest.database.row_counts.values())
    facts = sum(table.rows for table in manifest.analytics.values())
    console.print(
        f"[green]✓[/] {target}: {rows} database rows (schema {manifest.database.alembic_revision}),"
        f" {len(manifest.objects.objects)} objects, {facts} analytics rows"
    )


@backup_app.command("restore")
def restore(
    source: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="A backup folder.")],
    data_dir: Annotated[
        Path | None, typer.Option(help="A fresh data dir to restore into (WC_DATA_DIR).")
    ] = None,
) -> None:
    """Restore a backup into empty stores; start the instance with `wc run` afterwards (it
    migrates an older backup's schema). Put the keys of the backed-up instance in place first."""
    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    failed = exits_on(console, BackupInvalid, headline="Restore failed:")
    with failed, counted_progress(console) as bar:
        task = bar.add_task("Restoring", total=None)
        report = asyncio.run(restore_backup(settings, source, *_reporters(bar, task)))
    console.print(
        f"[green]✓[/] restored {sum(report.database_rows.values())} database rows, "
        f"{report.objects} objects, {sum(report.analytics_rows.values())} analytics rows "
        f"into {settings.resolved_data_dir}"
    )
    if not (settings.resolved_data_dir / "keys").exists():
        console.print(
            "[yellow]No keys in the data dir:[/] copy the backed-up instance's keys folder (or "
            "set its key settings) before `wc run`, or its tokens and sealed data will not open."
        )
