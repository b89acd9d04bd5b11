"""Mixed load on `wc run` with the server stores, for a bounded time; prints a table per endpoint
group and the service levels.

    .venv/bin/python bench/load.py [--minutes 10] [--learners 40] [--tutor-streams 8]
                                   [--teachers 2] [--webcam 320x240@10] [--pin-llm-core 1]

The instance runs as in production on one server: `wc run` (the API, the content runner, the LLM
application with vLLM and the proctor under Ray Serve) against PostgreSQL + pgvector, Redis,
RabbitMQ and an S3 server, all private to the run, on loopback. The demo course is its material.
Then, at once (bench/_load_profile.py): learners read lessons, sit homework answer by answer and
read their progress; ``--tutor-streams`` learners chat with the tutor back to back; teachers read
dashboards and gradebooks; a content job runs; one learner sits a proctored exam with the webcam
streaming over WebRTC. Service levels (the seed's SLO): API p99 < 250 ms over every request but
the tutor's stream and the webcam's offer, 0 errors, tutor p95 time to first token < 3 s.

``--pin-llm-core N`` pins vLLM's processes (every thread) to CPU N once they run, leaving the
rest of the machine to the API, the stores and this generator: on two cores, 8 LLM streams
otherwise take the CPU the API needs. The generator's own CPU time is printed: it shares the
machine with what it measures.

The load generator is this asyncio program rather than locust: one event loop drives HTTP, the
SSE token streams and the WebRTC session side by side at a few per cent of a core, where locust
needs plugins for SSE and WebRTC and a gevent worker per core.
"""

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import resource
import signal
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import httpx
import psutil
from _load_profile import (
    STREAMED,
    Coursework,
    Load,
    Recorder,
    World,
    content_editor,
    people,
    proctor_watch,
)
from _server_stores import server_stores
from proctor_stream import ClientSetup, _client_process
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from core.curriculum.models import AssessmentItem, Course, Lesson, LessonStatus
from core.infra.database import Database
from core.settings import Settings
from platform_api.auth.keys import load_or_create_signing_key
from platform_api.auth.models import Role
from platform_api.demo.loader import DEMO_FILE
from platform_api.wiring import prepare_database
from tests.assessments.factory import account, classroom, homework
from tests.fixtures.app import Api
from tests.fixtures.llm import prepared_bundled_model
from tests.fixtures.postgres import free_port
from tests.fixtures.servers import start_process, stop_process
from tests.proctoring.factory import person, proctored_exam, ready_to_stream
from tests.proctoring.instance_sitting import InstanceApi, InstanceStores

console = Console()
API_P99_GOAL_MS = 250.0
TTFT_P95_GOAL_MS = 3000.0
HOMEWORK_ATTEMPTS = 20  # the most an assignment allows
# A learner here sits about 5 homework attempts a minute (5.0 in a 10-minute run): each class
# gets enough assignments for 8 a minute over the whole run, so that none runs out of attempts.
SITTINGS_PER_MINUTE_BOUND = 8
START_TIMEOUT_SECONDS = 600.0
KEEPALIVE_SECONDS = 3.0  # under uvicorn's timeout_keep_alive (5 s)


def instance_environment(workdir: Path, stores_environment: dict[str, str]) -> dict[str, str]:
    serve_port = free_port()
    return {
        **stores_environment,
        "WC_DATA_DIR": str(workdir / "data"),
        "WC_PORT": str(free_port()),
        "WC_SERVE_PORT": str(serve_port),
        "WC_LLM_BASE_URL": f"http://127.0.0.1:{serve_port}/v1",
        "WC_PROCTOR_URL": f"http://127.0.0.1:{serve_port}/proctor",
        "WC_RAY_METRICS_PORT": str(free_port()),  # other local Rays may hold the default
        "WC_MODEL_SOURCE": str(prepared_bundled_model()),
        "WC_MLFLOW_UI_PORT": "0",
        # Limits against abuse, not load: one account makes many requests here, and a tutor
        # stream asks again as soon as its answer ends (a learner may ask 12 a minute).
        "WC_RATE_LIMIT_PER_MINUTE": "1000000",
        "WC_TUTOR_LEARNER_MESSAGES_PER_MINUTE": "600",
        "WC_LOG_LEVEL": "WARNING",
    }


async def wait_for(url: str, what: str, process: Any) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    async with httpx.AsyncClient(timeout=5, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"wc run exited while waiting for {what}")
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(1)
    raise RuntimeError(f"{what} did not answer within {START_TIMEOUT_SECONDS:.0f} s")


def pin_llm(cpu: int) -> int:
    """Pin every thread of vLLM's processes to ``cpu``; how many threads were pinned."""
    pinned = 0
    for process in psutil.process_iter(["name", "cmdline"]):
        label = process.info["name"] or " ".join(process.info["cmdline"] or [])
        if "VLLM" not in label and "LLMServer" not in label:
            continue
        for thread in process.threads():
            try:
                os.sched_setaffinity(thread.id, {cpu})
                pinned += 1
            except OSError:
                pass  # a thread that ended meanwhile
    return pinned


async def demo_material(database: Database) -> tuple[str, list[str], list[str], list[str]]:
    """The demo course: its id, published lessons, lesson titles and item prompts."""
    async with database.session() as session:
        source_key = json.loads(DEMO_FILE.read_text())["source_key"]
        course = await session.scalar(select(Course).where(Course.source_key == source_key))
        assert course is not None, "the demo course was not loaded"
        lessons = (
            await session.execute(
                select(Lesson.id, Lesson.title).where(
                    Lesson.course_id == course.id, Lesson.status == LessonStatus.PUBLISHED
                )
            )
        ).all()
        prompts = await session.scalars(
            select(AssessmentItem.prompt).where(AssessmentItem.course_id == course.id)
        )
        return (
            str(course.id),
            [str(r.id) for r in lessons],
            [r.title for r in lessons],
            list(prompts),
        )


async def seed(api: Api, args: argparse.Namespace) -> World:
    database = api.stores.database
    course_id, lesson_ids, titles, prompts = await demo_material(database)
    teachers, learners = [], []
    per_class = -(-args.learners // args.teachers)
    homeworks = math.ceil(args.minutes * SITTINGS_PER_MINUTE_BOUND / HOMEWORK_ATTEMPTS)
    for _ in range(args.teachers):
        room = await classroom(api, learners=per_class, mc_items=2)
        teachers.append((room.teacher, room.class_id))
        assignments = [
            (await homework(api, room, attempts_allowed=HOMEWORK_ATTEMPTS))["id"]
            for _ in range(homeworks)
        ]
        answers = {room.items["mc0"]: "b", room.items["mc1"]: "a", room.items["numeric"]: "6 N"}
        work = Coursework(assignments, HOMEWORK_ATTEMPTS, answers)
        learners += [(learner, work) for learner in room.learners]
    tutor_users = [await account(api) for _ in range(args.tutor_streams)]
    topics = [{"topic": title, "objectives": [f"Explain {title.lower()}"]} for title in titles[:2]]
    return World(
        learners=learners[: args.learners],
        teachers=teachers,
        tutor_users=tutor_users,
        lesson_ids=lesson_ids,
        course_id=course_id,
        questions=prompts or titles,
        content_editor=await person(api, Role.CONTENT_EDITOR),
        topics=topics,
    )


async def start_webcam(
    api: Api, seconds: float, setup: ClientSetup, recorder: Recorder
) -> tuple[Any, str, multiprocessing.process.BaseProcess, Connection]:
    """A learner sitting a proctored exam, the webcam streaming from a child process."""
    proctored = await proctored_exam(api)
    [learner] = proctored.room.learners
    session_id = (await ready_to_stream(api, proctored, learner))["session"]["id"]
    ours, theirs = multiprocessing.Pipe()
    client = multiprocessing.get_context("spawn").Process(
        target=_client_process, args=(theirs, seconds, setup), daemon=True
    )
    client.start()
    sdp, kind = await asyncio.to_thread(ours.recv)
    started = time.perf_counter()
    answer = await api.client.post(
        f"/api/v1/proctor/sessions/{session_id}/offer",
        headers=learner.headers,
        json={"sdp": sdp, "type": kind},
    )
    answer.raise_for_status()
    recorder.ok("proctor offer", started)
    ours.send((answer.json()["sdp"], answer.json()["type"]))
    return learner, session_id, client, ours


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def run_load(api: Api, world: World, args: argparse.Namespace) -> dict[str, Any]:
    recorder, stop = Recorder(), asyncio.Event()
    load = Load(api.client, recorder, stop, world)
    seconds = args.minutes * 60
    learner, session_id, webcam, pipe = await start_webcam(
        api, seconds, ClientSetup.parse(args.webcam), recorder
    )
    jobs_done: list[dict[str, Any]] = []
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    tasks = [asyncio.create_task(person) for person in people(load)]
    tasks.append(asyncio.create_task(content_editor(load, jobs_done)))
    tasks.append(asyncio.create_task(proctor_watch(load, learner, session_id)))
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("mixed load", total=seconds)
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < seconds:
            progress.update(bar, completed=elapsed, description=f"{recorder.requests} requests")
            await asyncio.sleep(1)
    stop.set()
    await asyncio.gather(*tasks)
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    frames_sent = len(await asyncio.to_thread(pipe.recv)) if webcam.is_alive() else 0
    webcam.join(30)
    session = await api.client.get(
        f"/api/v1/proctor/sessions/{session_id}", headers=learner.headers
    )
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return {
        "recorder": recorder,
        "seconds": seconds,
        "jobs": jobs_done,
        "frames_sent": frames_sent,
        "frames_planned": round(seconds * ClientSetup.parse(args.webcam).fps),
        "proctor_session": session.json() if session.is_success else session.text,
        "generator_cpu_seconds": cpu,
    }


def results_table(recorder: Recorder, seconds: float) -> Table:
    table = Table(title="Mixed load, per endpoint group")
    columns = ("group", "requests", "errors", "retried", "req/s", "p50 ms", "p95 ms", "p99 ms")
    for column in columns:
        table.add_column(column, justify="left" if column == "group" else "right")
    groups = sorted(set(recorder.latencies_ms) | set(recorder.errors))
    for group in groups:
        values, errors = recorder.latencies_ms[group], recorder.errors[group]
        table.add_row(
            group,
            f"{len(values) + len(errors)}",
            f"{len(errors)}",
            f"{len(recorder.retried[group])}",
            f"{len(values) / seconds:.2f}",
            *(f"{percentile(values, share):.0f}" for share in (0.5, 0.95, 0.99)),
        )
    return table


def service_levels(results: dict[str, Any]) -> list[str]:
    recorder: Recorder = results["recorder"]
    api = [
        value
        for group, values in recorder.latencies_ms.items()
        if group not in STREAMED and group != "proctor offer"
        for value in values
    ]
    errors = sum(len(values) for values in recorder.errors.values())
    retried = sum(len(values) for values in recorder.retried.values())
    ttft = recorder.latencies_ms["tutor: first token"]
    api_p99, ttft_p95 = percentile(api, 0.99), percentile(ttft, 0.95)

    def verdict(ok: bool) -> str:
        return "[green]met[/]" if ok else "[red]missed[/]"

    return [
        f"API p99 {api_p99:.0f} ms over {len(api)} requests ({len(api) / results['seconds']:.1f}/s)"
        f" (goal < {API_P99_GOAL_MS:.0f}): {verdict(api_p99 < API_P99_GOAL_MS)}",
        f"errors {errors} (goal 0): {verdict(errors == 0)}; "
        f"{retried} idempotent requests sent again after a broken connection",
        f"tutor time to first token p95 {ttft_p95:.0f} ms over {len(ttft)} answers "
        f"(goal < {TTFT_P95_GOAL_MS:.0f}): {verdict(ttft_p95 < TTFT_P95_GOAL_MS)}",
    ]


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    recorder: Recorder = results["recorder"]
    console.print(results_table(recorder, results["seconds"]))
    for line in service_levels(results):
        console.print(line)
    for group, errors in recorder.errors.items():
        if errors:
            console.print(f"[red]{group}[/]: {len(errors)} errors, e.g. {sorted(set(errors))[:3]}")
    for group, retried in recorder.retried.items():
        if retried:
            console.print(f"{group}: {len(retried)} sent again, e.g. {sorted(set(retried))[:3]}")
    jobs = results["jobs"]
    topics: Counter[str] = Counter()
    for job in jobs:
        topics.update(job["topics_by_status"])
    durations = sorted(job["seconds"] for job in jobs)
    spread = f", {durations[0]:.0f}-{durations[-1]:.0f} s each" if durations else ""
    console.print(f"content jobs finished: {len(jobs)}{spread}; topics {dict(topics)}")
    topic_errors = Counter(error for job in jobs for error in job["topic_errors"])
    for error, count in topic_errors.most_common(3):
        console.print(f"[red]failed topics[/]: {count} × {error[:300]}")
    session = results["proctor_session"]
    state = session if isinstance(session, str) else {
        key: session.get(key) for key in ("status", "identity_verified", "risk_level")
    }  # fmt: skip
    sent, planned = results["frames_sent"], results["frames_planned"]
    console.print(f"webcam ({args.webcam}): {sent} of {planned} frames sent; session {state}")
    share = results["generator_cpu_seconds"] / results["seconds"]
    console.print(
        f"load generator CPU: {results['generator_cpu_seconds']:.0f} s ({share:.0%} of a core)"
    )


async def measure(base_url: str, args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()  # the instance's, from the environment set by main
    database = Database(await prepare_database(settings), pool_size=4)
    signing_key = load_or_create_signing_key(
        settings.jwt_private_key_file, settings.resolved_data_dir
    )
    # Idle connections expire here before uvicorn's 5 s keep-alive closes them: a request sent on
    # a connection the server is closing fails with a read error.
    limits = httpx.Limits(
        max_connections=256, max_keepalive_connections=256, keepalive_expiry=KEEPALIVE_SECONDS
    )
    client = httpx.AsyncClient(base_url=base_url, timeout=120, trust_env=False, limits=limits)
    try:
        api = cast(Api, InstanceApi(client, settings, InstanceStores(database, signing_key)))
        with console.status("Seeding classes, homework, tutor users…"):
            world = await seed(api, args)
        return await run_load(api, world, args)
    finally:
        await client.aclose()
        await database.close()


async def start_instance(environment: dict[str, str], log: Path, args: argparse.Namespace) -> Any:
    wc = str(Path(sys.executable).with_name("wc"))
    process = start_process([wc, "run"], log, env=os.environ | environment)
    base_url = f"http://127.0.0.1:{environment['WC_PORT']}"
    with console.status(f"Starting wc run (log: {log})…"):
        await wait_for(f"{base_url}/readyz", "the API", process)
        await wait_for(f"{environment['WC_LLM_BASE_URL']}/models", "the LLM", process)
    if args.pin_llm_core is not None:
        console.print(
            f"pinned {pin_llm(args.pin_llm_core)} vLLM threads to CPU {args.pin_llm_core}"
        )
    return process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--teachers", type=int, default=2)
    parser.add_argument("--tutor-streams", type=int, default=8)
    parser.add_argument("--webcam", default="320x240@10", help="WIDTHxHEIGHT@FPS of the webcam")
    parser.add_argument("--pin-llm-core", type=int, default=None, help="CPU to pin vLLM to")
    args = parser.parse_args()
    # A stop (SIGTERM) unwinds like Ctrl-C: the instance and the servers are stopped on the way.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    workdir = Path(tempfile.mkdtemp(prefix="wc-load-"))
    with server_stores(workdir / "stores") as stores:
        environment = instance_environment(workdir, stores.environment())
        os.environ.update(environment)
        process = asyncio.run(start_instance(environment, workdir / "wc-run.log", args))
        try:
            base_url = f"http://127.0.0.1:{environment['WC_PORT']}"
            results = asyncio.run(measure(base_url, args))
        finally:
            stop_process(process, timeout=120)
    console.print(
        f"{args.learners} learners, {args.teachers} teachers, {args.tutor_streams} tutor "
        f"streams, 1 content job, 1 webcam; {args.minutes:g} min; load {os.getloadavg()}"
    )
    report(results, args)


if __name__ == "__main__":
    main()
