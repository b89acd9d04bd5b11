"""API benchmark: GET of a published (cached) lesson at 100 concurrent clients, next to a bare
FastAPI endpoint returning the same JSON, in the same run. Prints a table.

    .venv/bin/python bench/api.py [--seconds 10] [--concurrency 100]

Both servers run one uvicorn worker on 127.0.0.1; the platform runs as ``make run`` does
(embedded PostgreSQL, in-process cache), with its access logs, metrics and rate limiter on. The
rate limit is raised for the run, since the benchmark is one user making thousands of requests.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import LoadResult, run_load
from ports import free_port

console = Console()
PASSWORD = "benchmark password"


def wait_ready(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} never became ready")


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def seed_lesson(base: str) -> tuple[str, str]:
    """A teacher publishes a lesson; return its path and a student's bearer token."""
    api = f"{base}/api/v1"
    with httpx.Client(base_url=api, timeout=30) as client:
        tokens = {}
        for role in ("teacher", "student"):
            email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
            body = {
                "email": email,
                "password": PASSWORD,
                "display_name": role,
                "role": role,
                "birth_date": "2000-01-01" if role == "student" else None,
            }
            client.post("/auth/register", json=body).raise_for_status()
            login = client.post("/auth/login", json={"email": email, "password": PASSWORD})
            tokens[role] = {
                "Authorization": f"Bearer {login.raise_for_status().json()['access_token']}"
            }
        teacher = tokens["teacher"]
        curriculum = client.post("/curricula", headers=teacher, json={"title": "Bench"}).json()
        course = client.post(
            f"/curricula/{curriculum['id']}/courses",
            headers=teacher,
            json={"title": "Bench course"},
        ).json()
        unit = client.post(
            f"/curricula/courses/{course['id']}/units", headers=teacher, json={"title": "Unit"}
        ).json()
        body_markdown = "A lesson of realistic size. " * 120
        lesson = client.post(
            f"/curricula/units/{unit['id']}/lessons",
            headers=teacher,
            json={
                "title": "Benchmark lesson",
                "body_markdown": body_markdown,
                "objectives": ["Measure"],
            },
        )
        lesson_id = lesson.json()["id"]
        client.post(
            f"/curricula/lessons/{lesson_id}/status",
            json={"status": "published"},
            headers={**teacher, "If-Match": lesson.headers["etag"]},
        ).raise_for_status()
        return f"/api/v1/curricula/lessons/{lesson_id}", tokens["student"]["Authorization"]


def row(table: Table, name: str, result: LoadResult, baseline: LoadResult) -> None:
    table.add_row(
        name,
        f"{result.requests}",
        f"{result.errors}",
        f"{result.throughput:,.0f}",
        f"{result.p50:.1f}",
        f"{result.percentile(0.99):.1f}",
        f"{result.throughput / baseline.throughput:.2f}×",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="wc-bench-"))
    platform_port, bare_port = free_port(), free_port()
    wc = str(Path(sys.executable).with_name("wc"))
    platform = start(
        [wc, "run"],
        {
            "WC_DATA_DIR": str(workdir / "data"),
            "WC_PORT": str(platform_port),
            "WC_RATE_LIMIT_PER_MINUTE": "100000000",
            "WC_LOAD_DEMO_CONTENT": "false",
            "WC_SERVE_LLM": "false",
        },
    )
    processes = [platform]
    try:
        base = f"http://127.0.0.1:{platform_port}"
        wait_ready(f"{base}/readyz")
        path, authorization = seed_lesson(base)
        lesson_json = httpx.get(base + path, headers={"Authorization": authorization}).content
        (workdir / "lesson.json").write_bytes(lesson_json)
        bare = start(
            [
                sys.executable,
                str(Path(__file__).with_name("bare_app.py")),
                str(workdir / "lesson.json"),
            ],
            {"PORT": str(bare_port)},
        )
        processes.append(bare)
        wait_ready(f"http://127.0.0.1:{bare_port}/lesson")
        console.print(
            f"lesson JSON: {len(lesson_json)} bytes; {args.concurrency} clients, "
            f"{args.seconds:.0f} s per target after a 2 s warm-up"
        )
        bare_result = asyncio.run(
            run_load("127.0.0.1", bare_port, "/lesson", {}, args.concurrency, args.seconds)
        )
        platform_result = asyncio.run(
            run_load(
                "127.0.0.1",
                platform_port,
                path,
                {"Authorization": authorization},
                args.concurrency,
                args.seconds,
            )
        )
    finally:
        for process in processes:
            process.terminate()
            process.wait(30)
    table = Table(title="GET published lesson (cached), one uvicorn worker each")
    for column in ("target", "requests", "errors", "req/s", "p50 ms", "p99 ms", "vs bare"):
        table.add_column(column, justify="right" if column != "target" else "left")
    row(table, "bare FastAPI, same JSON", bare_result, bare_result)
    row(table, "Water Classroom (auth + rate limit + cache)", platform_result, bare_result)
    console.print(table)


if __name__ == "__main__":
    main()
