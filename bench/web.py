"""The web client's figures, each next to a bare baseline measured in the same run; prints rich
tables.

    .venv/bin/python bench/web.py [--loads 5] [--questions 5] [--database-url URL]
                                  [--llm-base-url URL]

(a) Bundle: the built client's JavaScript (web/dist, `make web`), gzip-compressed as served
compressed: what the first page loads (the entry script and its preloads, named by
index.html) and each page loaded on demand, next to a bare React application built by the same
Vite from the same node_modules (react + react-dom rendering one element). Goal: initial JS at
most 250 kB gzip.

(b) In Debian's Chromium (Playwright), against the platform on loopback (``create_app`` served
by uvicorn, an embedded PostgreSQL with the demo course ingested, the bundled LLM through ``wc
serve`` unless --llm-base-url):
  lesson page ready     from navigation start to the lesson's heading and text shown with the
                        tutor's Ask field usable (the page fetched the lesson over the API),
                        next to the bare React application served from the same machine showing
                        its one element; --loads cold loads each (a new browser context).
  token shown           per question: from the SSE endpoint's first ``token`` event reaching
                        the page (the response body tee'd in the page, read at the same time the
                        client reads it) to that token's text in the page's DOM. Goal: 50 ms.
  first token           from pressing Ask to that first event (the API's own time to first
                        token, seen from the browser), for scale.
"""

import argparse
import asyncio
import gzip
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import httpx
from _streaming import learner_token, live_api, llm_application, percentile
from playwright.async_api import Browser, Page, async_playwright, expect
from ports import free_port
from sqlalchemy import select
from tutor import bench_server

from agents.tutor.policy import TutorMode
from core.curriculum.models import Lesson
from core.infra.database import Database
from platform_api.demo.loader import load_demo_course
from platform_api.tutor.models import TutorPolicy
from rag.ingest import ingest_course

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"
DIST = WEB / "dist"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]
INITIAL_GOAL_KB, TOKEN_GOAL_MS = 250.0, 50.0
ANSWER_TIMEOUT_MS = 300_000
console = Console()

# Records when the tutor's stream delivers its first token event (the body tee'd: the app reads
# one branch, this the other, chunk by chunk as they arrive) and when the answer shows text.
WATCH = """
window.__sse = []; window.__shown = [];
const originalFetch = window.fetch;
window.fetch = async (...args) => {
  const response = await originalFetch(...args);
  const url = String(args[0] instanceof Request ? args[0].url : args[0]);
  if (!url.includes('/messages') || !response.body) return response;
  const [mine, theirs] = response.body.tee();
  (async () => {
    const reader = mine.pipeThrough(new TextDecoderStream()).getReader();
    let seen = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (seen || !value.includes('event: token')) continue;
      seen = true;
      window.__sse.push(performance.now());
    }
  })();
  return new Response(theirs, { status: response.status, headers: response.headers });
};
new MutationObserver(() => {
  const answers = document.querySelectorAll('.exchanges > li .answer');
  if (answers.length > window.__shown.length && answers[answers.length - 1].textContent)
    window.__shown.push(performance.now());
}).observe(document, { subtree: true, childList: true, characterData: true });
"""
READY = """
() => new Promise((resolve) => {
  const check = () => {
    const heading = document.querySelector('article h1');
    const ask = document.querySelector('aside textarea');
    const shown = heading && ask && document.querySelector('article p');
    if (shown) resolve(performance.now());
    return Boolean(shown);
  };
  if (check()) return;
  new MutationObserver((_, observer) => check() && observer.disconnect())
    .observe(document, { subtree: true, childList: true });
})
"""
BARE_READY = """
() => new Promise((resolve) => {
  const check = () => document.getElementById('bare') && (resolve(performance.now()), true);
  if (check()) return;
  new MutationObserver((_, observer) => check() && observer.disconnect())
    .observe(document, { subtree: true, childList: true });
})
"""


def gzip_kb(path: Path) -> float:
    return len(gzip.compress(path.read_bytes(), compresslevel=9)) / 1000


def initial_scripts(dist: Path) -> list[Path]:
    html = (dist / "index.html").read_text()
    return [dist / name for name in re.findall(r'(?:src|href)="/(assets/[^"]+\.js)"', html)]


def build_bare(folder: Path) -> Path:
    """The bare React application: one element rendered, built by the client's own Vite."""
    (folder / "index.html").write_text(
        '<!doctype html><html lang="en"><head><title>bare</title></head>'
        '<body><div id="root"></div><script type="module" src="/main.js"></script></body></html>'
    )
    (folder / "main.js").write_text(
        'import { createElement } from "react";\n'
        'import { createRoot } from "react-dom/client";\n'
        'const root = createRoot(document.getElementById("root"));\n'
        'root.render(createElement("p", { id: "bare" }, "bare"));\n'
    )
    (folder / "vite.config.mjs").write_text("export default {};\n")  # not the client's
    vite = WEB / "node_modules" / ".bin" / "vite"
    subprocess.run(
        [
            str(vite),
            "build",
            str(folder),
            "--outDir",
            str(folder / "dist"),
            "--logLevel",
            "error",
            "--config",
            str(folder / "vite.config.mjs"),
        ],
        cwd=WEB,
        check=True,
        env={
            "PATH": f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin",
            "NODE_PATH": str(WEB / "node_modules"),
        },
    )
    return folder / "dist"


def bundle_table(bare: Path) -> float:
    table = Table(title="(a) JavaScript, gzip")
    for column in ("what", "files", "kB gzip", "vs bare React"):
        table.add_column(column, justify="right" if column != "what" else "left")
    bare_kb = sum(gzip_kb(p) for p in initial_scripts(bare))
    initial = initial_scripts(DIST)
    initial_kb = sum(gzip_kb(p) for p in initial)
    table.add_row("bare React app", str(len(initial_scripts(bare))), f"{bare_kb:.1f}", "1.00×")
    table.add_row(
        f"initial (goal ≤ {INITIAL_GOAL_KB:.0f})",
        str(len(initial)),
        f"{initial_kb:.1f}",
        f"{initial_kb / bare_kb:.2f}×",
    )
    for chunk in sorted(set((DIST / "assets").glob("*.js")) - set(initial)):
        table.add_row(f"  on demand: {chunk.name.split('-')[0]}", "1", f"{gzip_kb(chunk):.1f}", "")
    console.print(table)
    return initial_kb


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """``folder`` over HTTP on a loopback port (the bare application's page)."""
    handler = partial(QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def signed_in_script(token: str) -> str:
    """Puts a learner's session in the page's storage before the client reads it."""
    session = f'{{"access": "{token}", "refresh": "", "expiresAt": Date.now() + 3600e3}}'
    return f"localStorage.setItem('wc.session', JSON.stringify({session}));"


async def timed_load(browser: Browser, url: str, ready: str, token: str | None) -> float:
    """A cold load (a new context: empty caches) until ``ready`` holds; ms from navigation."""
    context = await browser.new_context()
    if token:
        await context.add_init_script(signed_in_script(token))
    page = await context.new_page()
    await page.goto(url, wait_until="commit")
    ready_at: float = await page.evaluate(ready)
    await context.close()
    return ready_at


@dataclass
class TokenTiming:
    first_token_ms: float  # Ask pressed → first token event in the page
    shown_after_ms: float  # that event → its text in the DOM


async def ask_questions(page: Page, questions: list[str]) -> list[TokenTiming]:
    """Each question asked once the previous answer ended (Stop disabled again)."""
    timings: list[TokenTiming] = []
    stop = page.get_by_role("button", name="Stop")
    for question in questions:
        await page.get_by_label("Your question").fill(question)
        pressed: float = await page.evaluate("performance.now()")
        await page.get_by_role("button", name="Ask").click()
        count = len(timings) + 1
        await page.wait_for_function(
            "n => window.__shown.length >= n && window.__sse.length >= n",
            arg=count,
            timeout=ANSWER_TIMEOUT_MS,
        )
        await expect(stop).to_be_disabled(timeout=ANSWER_TIMEOUT_MS)
        sse, shown = await page.evaluate("[window.__sse.at(-1), window.__shown.at(-1)]")
        timings.append(TokenTiming(sse - pressed, shown - sse))
    return timings


async def prepared_course(database: Database) -> tuple[uuid.UUID, uuid.UUID]:
    """The demo course, ingested for retrieval, in explain mode: (course, its first lesson)."""
    async with database.session() as session:
        course = await load_demo_course(session)
        await session.commit()
        course_id = course.id
    await ingest_course(database, course_id)
    async with database.session() as session, session.begin():
        await session.merge(TutorPolicy(course_id=course_id, mode=TutorMode.EXPLAIN))
    async with database.session() as session:
        lesson = await session.scalar(
            select(Lesson.id).filter_by(course_id=course_id).order_by(Lesson.position)
        )
    assert lesson is not None
    return course_id, lesson


def ms(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} / {percentile(values, 0.95):.0f}"


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(dir=WEB, prefix=".bench-bare-") as folder:
        bare = build_bare(Path(folder))
        initial_kb = bundle_table(bare)
        async with (
            bench_server(args.database_url) as server,
            llm_application(args.llm_base_url) as (llm, model),
        ):
            database = Database(server.url, pool_size=3)
            course_id, lesson_id = await prepared_course(database)
            await database.close()
            async with (
                live_api(server.url, llm, model, []) as base,
                async_playwright() as playwright,
            ):
                async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                    token = await learner_token(client)
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                lesson_url = f"{base}/courses/{course_id}/lessons/{lesson_id}"
                with served(bare) as bare_url:
                    lesson_ms, bare_ms = [], []
                    for _ in range(args.loads):
                        bare_ms.append(await timed_load(browser, bare_url, BARE_READY, None))
                        lesson_ms.append(await timed_load(browser, lesson_url, READY, token))
                context = await browser.new_context()
                await context.add_init_script(signed_in_script(token))
                await context.add_init_script(WATCH)
                page = await context.new_page()
                await page.goto(lesson_url)
                await page.evaluate(READY)
                questions = [
                    f"Can you explain this lesson, part {n + 1}?" for n in range(args.questions)
                ]
                timings = await ask_questions(page, questions)
                await browser.close()
    table = Table(title="(b) In Chromium (ms, p50 / p95)")
    for column in ("what", "the client", "bare", "ratio"):
        table.add_column(column, justify="right" if column != "what" else "left")
    table.add_row(
        "page ready: lesson vs bare React",
        ms(lesson_ms),
        ms(bare_ms),
        f"{statistics.median(lesson_ms) / statistics.median(bare_ms):.2f}×",
    )
    shown = [t.shown_after_ms for t in timings]
    table.add_row(
        f"token shown after its SSE event (goal ≤ {TOKEN_GOAL_MS:.0f})", ms(shown), "", ""
    )
    table.add_row("Ask → first SSE token event", ms([t.first_token_ms for t in timings]), "", "")
    console.print(table)
    shown_p50 = statistics.median(shown)
    console.print(
        f"initial JS {initial_kb:.1f} kB gzip: {verdict(initial_kb <= INITIAL_GOAL_KB)} the goal; "
        f"token shown p50 {shown_p50:.1f} ms: {verdict(shown_p50 <= TOKEN_GOAL_MS)} the goal"
    )


def verdict(met: bool) -> str:
    return "meets" if met else "misses"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--llm-base-url", default="")
    asyncio.run(main(parser.parse_args()))
