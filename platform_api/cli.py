"""The ``wc`` command line: run the platform, import content, manage users."""

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from core.command_line import exits_on
from core.infra.database import Database
from core.processes import stop_process
from core.progress_bar import counted_progress
from core.settings import Settings
from evals.cli import eval_app
from pipelines.cli import pipeline_app
from pipelines.datasets.cli import dataset_app
from pipelines.finetune.cli import finetune_app
from pipelines.proctor_detector.cli import detector_app
from pipelines.promote.cli import promote, rollback
from platform_api.auth.keys_cli import keys_app
from platform_api.auth.models import Role
from platform_api.backup.cli import backup_app
from platform_api.content.cli import content_app, generate
from platform_api.lti.cli import lti_app
from platform_api.mastery.cli import items_app, mastery_app
from platform_api.proctor.cli import proctor_app
from platform_api.retrieval.cli import ingest, search
from platform_api.start_report import report_start, start_database_users, start_llm
from platform_api.tutor.cli import tutor_app
from platform_api.wiring import run_with_database
from serving.cli import models_app, serve

app = typer.Typer(
    help="Water Classroom: an open-source, self-hostable AI learning platform.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
import_app = typer.Typer(help="Import course content from other formats.", no_args_is_help=True)
users_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(users_app, name="users")
app.add_typer(models_app, name="models")
models_app.command("promote")(promote)
models_app.command("rollback")(rollback)
app.add_typer(tutor_app, name="tutor")
app.add_typer(content_app, name="content")
app.add_typer(mastery_app, name="mastery")
app.add_typer(items_app, name="items")
app.add_typer(proctor_app, name="proctor")
app.add_typer(detector_app, name="detector")
app.add_typer(eval_app, name="eval")
app.add_typer(dataset_app, name="dataset")
app.add_typer(finetune_app, name="finetune")
app.add_typer(pipeline_app, name="pipeline")
app.add_typer(lti_app, name="lti")
app.add_typer(backup_app, name="backup")
app.add_typer(keys_app, name="keys")
app.command("generate")(generate)
app.command("serve")(serve)
app.command("ingest")(ingest)
app.command("search")(search)
console = Console(stderr=True)


@app.command()
def run(
    host: Annotated[str | None, typer.Option(help="Interface to bind (WC_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (WC_PORT).")] = None,
) -> None:
    """Migrate, load the demo course and serve the API, the LLM and the content runner."""
    import uvicorn

    from platform_api.app import create_app
    from platform_api.demo.loader import prepare_demo_course

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    # uvicorn re-raises SIGTERM after its graceful shutdown; turning it into SystemExit lets
    # the cleanup below and the embedded PostgreSQL's exit handler run.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    children = start_llm(settings)
    stop = threading.Event()
    try:
        with console.status("Preparing the database and the demo course…"):
            if settings.load_demo_content:
                run_with_database(prepare_demo_course)
        children += start_database_users(settings, children)
        console.print(f"Starting Water Classroom; the logs of its parts are in {settings.logs_dir}")
        threading.Thread(
            target=report_start, args=(settings, children, console, stop), daemon=True
        ).start()
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            # The hub's frames are small JSON; compressing each one for each of a class's sockets
            # costs more CPU than the bytes it saves (bench/realtime.py).
            ws_per_message_deflate=False,
            # The hub refuses frames past 64 KiB with an error frame; past this, the server closes
            # the socket (1009) instead of buffering up to uvicorn's default 16 MiB per client.
            ws_max_size=1024 * 1024,
        )
    finally:
        stop.set()
        for child in reversed(children):  # the content runner before the Ray it joined
            stop_process(child.process, grace_seconds=120)


@app.command()
def status() -> None:
    """Say whether each part of a running instance is up; exit 1 when one is down."""
    from platform_api.status import instance_status

    parts = instance_status(Settings())
    for part in parts:
        mark = "[green]✓ up[/]  " if part.up else "[bold red]✗ down[/]"
        console.print(f"{mark} {part.name}: {part.detail}")
    if not all(part.up for part in parts):
        raise typer.Exit(1)


@app.command()
def openapi(
    output: Annotated[
        Path | None, typer.Option(help="Write it to this file instead of standard output.")
    ] = None,
) -> None:
    """Print the API's OpenAPI document (what the web client's types are generated from)."""
    from platform_api.app import create_app

    document = json.dumps(create_app(Settings()).openapi(), indent=1, sort_keys=True)
    if output is None:
        print(document)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(document + "\n")


@import_app.command("openstax")
def import_openstax(
    path: Annotated[
        Path, typer.Argument(exists=True, help="Book folder (collections/ + modules/) or .zip")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON summary on stdout.")
    ] = False,
) -> None:
    """Import an OpenStax CNXML book: every collection becomes a course.

    With --json, stdout is {"courses": [{"course_id", "title", "chapters", "groups", "lessons",
    "exercises", "created", "source_key"}, ...]}; "groups" counts the book's parts that group
    chapters (OpenStax units), 0 for a book of chapters only.
    """
    from core.errors import ImportRejected
    from platform_api.openstax.service import import_openstax_source

    progress = counted_progress(console, disable=as_json)

    async def work(database: Database) -> list[dict[str, object]]:
        with progress:
            task = progress.add_task(f"Importing {path.name}", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            async with database.session() as session:
                summaries = await import_openstax_source(session, path, None, report)
        return [summary.model_dump(mode="json") for summary in summaries]

    try:
        summaries = run_with_database(work)
    except ImportRejected as error:
        console.print(f"[bold red]Import refused:[/] {error.message}")
        if error.details:
            console.print_json(data=error.details)
        raise typer.Exit(code=2) from error
    if as_json:
        typer.echo(json.dumps({"courses": summaries}, indent=2))
    else:
        for summary in summaries:
            grouped = f" in {summary['groups']} groups" if summary["groups"] else ""
            console.print(
                f"[green]✓[/] {summary['title']}: {summary['chapters']} chapters{grouped}, "
                f"{summary['lessons']} lessons, {summary['exercises']} exercises "
                f"(course {summary['course_id']})"
            )


@users_app.command("set-role")
def set_role(
    email: Annotated[str, typer.Argument(help="E-mail of the account.")],
    role: Annotated[Role, typer.Argument(help="The new role.")],
) -> None:
    """Change an account's role (content_editor and admin are given this way)."""
    from platform_api.auth.admin import set_role as assign

    async def work(database: Database) -> str:
        async with database.session() as session:
            return str(await assign(session, email, role))

    with exits_on(console, ValueError):
        user_id = run_with_database(work)
    console.print(f"{email} ({user_id}) is now {role.value}; new tokens carry the role.")


@users_app.command("deactivate")
def deactivate(email: Annotated[str, typer.Argument(help="E-mail of the account.")]) -> None:
    """Deactivate an account: its sign-ins and tokens are refused from now on."""
    from platform_api.auth.admin import deactivate_account
    from platform_api.wiring import build_cache

    async def work(database: Database) -> str:
        cache, limiter = build_cache(Settings())
        try:
            async with database.session() as session:
                return str(await deactivate_account(session, cache, email))
        finally:
            await cache.close()
            await limiter.close()

    with exits_on(console, ValueError):
        user_id = run_with_database(work)
    console.print(f"{email} ({user_id}) is deactivated.")


@users_app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True, help="Admin e-mail.")],
    display_name: Annotated[str, typer.Option(prompt=True, help="Name shown to others.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="WC_ADMIN_PASSWORD",
            help="At least 10 characters.",
        ),
    ],
) -> None:
    """Create an administrator account (or promote an existing one)."""
    from platform_api.auth.admin import create_or_promote_admin

    async def work(database: Database) -> str:
        async with database.session() as session:
            return str(await create_or_promote_admin(session, email, display_name, password))

    with exits_on(console, ValueError):
        user_id = run_with_database(work)
    console.print(f"[green]✓[/] admin {email} ({user_id})")


if __name__ == "__main__":
    app()
