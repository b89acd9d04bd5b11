"""``wc generate`` and ``wc content runner``: bulk generation from the command line.

``wc generate`` submits a job and runs it to the end with a progress bar (it is its own runner;
``--detach`` leaves the job to a ``wc content runner``). The job's idempotency key is derived
from the course, the file and the options, so running the same command again after a crash
resumes that job: finished topics are kept, the rest are generated.
"""

import asyncio
import hashlib
import json
import signal
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agents.content.settings import ContentSettings
from core.curriculum.models import Course
from core.errors import AppError
from core.infra.database import Database
from core.settings import Settings
from platform_api.auth.models import Role, User
from platform_api.auth.tokens import AccessClaims
from platform_api.content.heartbeat import beat_until
from platform_api.content.schemas import JobOptions, JobOut
from platform_api.content.topics_input import ParsedTopics, format_of, parse_topics
from platform_api.content.weak_topics import (
    MAX_WEAK_OBJECTIVES,
    only_course,
    weak_objective_topics,
)
from platform_api.http.logging import configure_logging
from platform_api.wiring import prepare_database

if TYPE_CHECKING:  # the worker module imports the graph and Ray's side: loaded when a job runs
    from platform_api.content.worker import WorkerConfig

content_app = typer.Typer(help="Run content-generation jobs.", no_args_is_help=True)
console = Console(stderr=True)


async def operator_claims(
    database: Database, course_id: uuid.UUID, email: str | None
) -> AccessClaims:
    """Who the command acts as: the named account, else the course's owner, else an admin."""
    async with database.session() as session:
        if email:
            user = await session.scalar(select(User).where(User.email_hash == email.lower()))
        else:
            course = await session.get(Course, course_id)
            owner = await session.get(User, course.owner_id) if course and course.owner_id else None
            user = owner or await _first_admin(session)
    if user is None:
        raise typer.BadParameter("no such account: name one with --as, or create an admin first")
    return AccessClaims(user_id=user.id, role=user.role, expires_at=0)


def worker_config(
    settings: Settings, content: ContentSettings, database_url: str
) -> "WorkerConfig":
    from platform_api.content.worker import WorkerConfig

    return WorkerConfig(
        database_url=database_url,
        llm_base_url=settings.llm_base_url,
        llm_model=settings.llm_model,
        llm_api_key=settings.llm_api_key,
        content=content,
        otlp_endpoint=settings.otlp_endpoint,
        trace_sample_ratio=settings.trace_sample_ratio,
    )


async def _progress(database: Database, job_id: uuid.UUID) -> JobOut:
    from platform_api.content.models import ContentJob
    from platform_api.content.service import job_progress

    async with database.session() as session:
        job = await session.get(ContentJob, job_id)
        assert job is not None
        return await job_progress(session, job)


async def _follow(
    database: Database, job_id: uuid.UUID, runner_task: asyncio.Task[None] | None
) -> JobOut:
    columns = (
        TextColumn("[bold]generating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[statuses]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as bar:
        job = await _progress(database, job_id)
        task = bar.add_task("job", total=job.total, statuses="")
        while True:
            job = await _progress(database, job_id)
            done = round(job.percent * job.total / 100)
            statuses = " ".join(f"{k}={v}" for k, v in sorted(job.topics_by_status.items()))
            bar.update(task, completed=done, statuses=statuses)
            if job.finished_at is not None or (runner_task and runner_task.done()):
                if runner_task and runner_task.done():
                    runner_task.result()  # re-raise a runner failure
                return job
            await asyncio.sleep(1)


@content_app.command("runner")
def runner(
    workers: Annotated[int | None, typer.Option(help="Ray workers (WC_CONTENT_WORKERS).")] = None,
) -> None:
    """Run every queued content job, for ever (Ctrl-C stops; unfinished topics are requeued)."""
    from platform_api.content.runner import ContentRunner

    settings, content = Settings(), ContentSettings()
    configure_logging(settings.log_level, settings.log_format)
    if workers:
        content = content.model_copy(update={"workers": workers})

    async def work() -> None:
        # SIGTERM (a supervisor, `wc run` stopping) ends the loop cleanly: running topics are
        # handed back at once and Ray is shut down with its workers.
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        url = await prepare_database(settings)
        database = Database(url, pool_size=4)
        beating = asyncio.create_task(beat_until(settings.run_dir, stop))
        config = worker_config(settings, content, url)
        try:
            await ContentRunner(
                database,
                config,
                ray_address=ray_address(),
                ray_logs=settings.logs_dir / "ray-content",
            ).run(stop=stop)
        finally:
            stop.set()
            await beating
            await database.close()
            shutdown_ray()

    console.print(f"content runner: {content.workers} worker(s), LLM at {settings.llm_base_url}")
    asyncio.run(work())


def _file_topics(input_file: Path, max_bytes: int) -> tuple[bytes, ParsedTopics]:
    data = input_file.read_bytes()
    if len(data) > max_bytes:
        raise typer.BadParameter(f"the file is larger than {max_bytes} bytes")
    try:
        parsed = parse_topics(data, format_of(input_file.name))
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    for refused in parsed.errors:
        console.print(f"[yellow]row {refused.row}: {refused.error}[/]")
    return data, parsed


async def _class_topics(
    database: Database, class_id: uuid.UUID, course: uuid.UUID | None, email: str | None, n: int
) -> tuple[uuid.UUID, AccessClaims, ParsedTopics]:
    """The course (named, else the class's only one), who acts (the named account, else an
    admin: the operator runs this for the teacher) and the class's weakest objectives there."""
    async with database.session() as session:
        target = course or await only_course(session, class_id)
    if email:
        actor = await operator_claims(database, target, email)
    else:
        actor = await admin_claims(database)
    async with database.session() as session:
        parsed = await weak_objective_topics(session, actor, class_id, target, n)
    return target, actor, parsed


async def _first_admin(session: AsyncSession) -> User | None:
    return await session.scalar(
        select(User).where(User.role == Role.ADMIN).order_by(User.created_at).limit(1)
    )


async def admin_claims(database: Database) -> AccessClaims:
    """The operator's default identity: the first admin."""
    async with database.session() as session:
        admin = await _first_admin(session)
    if admin is None:
        raise typer.BadParameter("no admin account: name one with --as, or create one first")
    return AccessClaims(user_id=admin.id, role=admin.role, expires_at=0)


def _idempotency_key(course: uuid.UUID, source: bytes, options: JobOptions) -> str:
    """The same course, input and options are the same job: running it again resumes it."""
    digest = hashlib.sha256(course.bytes + source + options.model_dump_json().encode())
    return "cli:" + digest.hexdigest()


def generate(
    input_file: Annotated[
        Path | None,
        typer.Option(
            "--input", exists=True, dir_okay=False, help="Topics: .csv or .jsonl (or --class)."
        ),
    ] = None,
    course: Annotated[
        uuid.UUID | None,
        typer.Option(
            "--course", help="Course id to write into (with --class: default its only course)."
        ),
    ] = None,
    class_id: Annotated[
        uuid.UUID | None,
        typer.Option("--class", help="Draw the topics from this class's weakest objectives."),
    ] = None,
    weak_objectives: Annotated[
        int,
        typer.Option(
            "--weak-objectives",
            min=1,
            max=MAX_WEAK_OBJECTIVES,
            help="With --class: how many of its weakest objectives.",
        ),
    ] = 5,
    reading_grade: Annotated[
        float | None, typer.Option(help="US school grade of the lessons; default: the course's.")
    ] = None,
    allow_ungrounded: Annotated[
        bool, typer.Option(help="Write topics the course's material does not cover.")
    ] = False,
    workers: Annotated[int | None, typer.Option(help="Ray workers (WC_CONTENT_WORKERS).")] = None,
    as_email: Annotated[
        str | None, typer.Option("--as", help="Account the job belongs to.")
    ] = None,
    detach: Annotated[
        bool, typer.Option(help="Only submit; a running `wc content runner` generates it.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the job as JSON on stdout.")
    ] = False,
) -> None:
    """Generate lessons, quiz items and hints for every topic of a file, or for the weakest
    objectives of a class (`--class CLASS_ID --weak-objectives N`)."""
    if (input_file is None) == (class_id is None):
        raise typer.BadParameter("give either --input FILE or --class CLASS_ID")
    if class_id is None and course is None:
        raise typer.BadParameter("--course is required with --input")
    settings, content = Settings(), ContentSettings()
    if workers:
        content = content.model_copy(update={"workers": workers})
    listed = _file_topics(input_file, content.max_input_bytes) if input_file else None
    options = JobOptions(reading_grade=reading_grade, allow_ungrounded=allow_ungrounded)

    async def work() -> JobOut:
        from platform_api.content.service import submit_job

        url = await prepare_database(settings)
        database = Database(url, pool_size=4)
        try:
            if listed is not None and course is not None:
                data, parsed = listed
                target, actor = course, await operator_claims(database, course, as_email)
            else:
                assert class_id is not None  # --input or --class, checked above
                target, actor, parsed = await _class_topics(
                    database, class_id, course, as_email, weak_objectives
                )
                data = parsed.model_dump_json().encode()  # the objectives drawn, in order
            async with database.session() as session:
                job = await submit_job(
                    session,
                    actor,
                    target,
                    parsed,
                    options,
                    model_name=settings.llm_model,
                    max_topics=content.max_topics,
                    idempotency_key=_idempotency_key(target, data, options),
                )
            progress = await _progress(database, job.id)
            console.print(f"job {job.id}: {job.total} topics, {progress.percent:.0f}% done")
            if detach or progress.finished_at is not None:
                return progress
            return await _run_and_follow(database, job.id, worker_config(settings, content, url))
        finally:
            await database.close()

    try:
        job = asyncio.run(work())
    except AppError as error:
        console.print(f"[red]{error.message}[/] {error.details or ''}")
        raise typer.Exit(2) from error
    if as_json:
        typer.echo(json.dumps(job.model_dump(mode="json"), indent=2))
    else:
        console.print(f"job {job.id} {job.status.value}: {job.topics_by_status}")


def ray_address() -> str:
    """``WC_RAY_ADDRESS``: the cluster the workers run on; empty starts a local Ray."""
    from serving.settings import ServingSettings

    return ServingSettings().ray_address


def shutdown_ray() -> None:
    import ray

    ray.shutdown()


async def _run_and_follow(database: Database, job_id: uuid.UUID, config: "WorkerConfig") -> JobOut:
    from platform_api.content.runner import ContentRunner

    runner = ContentRunner(database, config, ray_address=ray_address(), only_job=job_id)
    with console.status("starting Ray workers…"):
        await asyncio.to_thread(runner.start_workers)
    # Following the job in the database (not this runner's own closing of it) ends the command
    # even when a `wc content runner` working beside it closes the job.
    task = asyncio.create_task(runner.run())
    try:
        return await _follow(database, job_id, task)
    finally:
        if not task.done():
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        shutdown_ray()
