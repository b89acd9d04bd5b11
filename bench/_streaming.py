"""Part (a) of bench/tutor.py: a tutor answer through the whole API next to the bare LLM.

The API (``create_app``, served by uvicorn on loopback in this process) answers a learner's
question: token check, rate limits, retrieval (query embedding + hybrid SQL), the LangGraph
graph, SSE. Its LLM client is wrapped to record the exact messages and options the graph sends;
the same request is then replayed to the LLM application directly, streamed with the ``openai``
client. Greedy decoding (``WC_TUTOR_TEMPERATURE=0``) makes both generate the same tokens.

Order per question: one API turn that records the prompt (not timed), then the bare replay and
a second API turn in a new session, alternating which goes first. Both timed runs therefore
meet vLLM's prefix cache equally warm. The API's query-vector cache stays off (the default): the
recording turn asked the very same question, and a timed turn that found its vector ready would
time the cache, not the embedding.

TTFT runs from sending the request to the first text (SSE ``token`` event / first content
delta). Tokens/s is the completion tokens vLLM reports over the time from the first to the last
text (the API's last event is ``done``, after the graph's check and the turn's record).
"""

import asyncio
import contextlib
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from openai import AsyncOpenAI
from ports import free_port
from sqlalchemy import select

from agents.tutor.policy import TutorMode
from core.curriculum.models import Lesson
from core.infra.database import Database
from core.settings import Settings
from platform_api.app import create_app
from platform_api.tutor.models import TutorPolicy
from serving.client import LLMClient, TokenUsage
from serving.settings import ServingSettings

PASSWORD = "bench-password-123"
TTFT_GOAL_RATIO, TTFT_GOAL_MS, TOKENS_GOAL = 1.15, 50.0, 0.9
LLM_START_TIMEOUT_S = 420


@dataclass
class Timed:
    ttft_ms: float
    tokens: int
    generation_s: float

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.generation_s if self.generation_s > 0 else 0.0


@dataclass
class StreamingResult:
    api: list[Timed] = field(default_factory=list)
    bare: list[Timed] = field(default_factory=list)


@dataclass
class Recorded:
    messages: list[Any]
    options: dict[str, Any]
    usage: TokenUsage


def record_prompts(llm: LLMClient, recorded: list[Recorded]) -> None:
    """Keep every streamed request of the API's LLM client (messages, options, usage)."""
    original = llm.stream_chat

    def recording(messages: list[Any], usage: TokenUsage | None = None, **options: Any) -> Any:
        usage = usage or TokenUsage()
        recorded.append(Recorded(messages, dict(options), usage))
        return original(messages, usage=usage, **options)

    llm.stream_chat = recording  # type: ignore[method-assign]


@asynccontextmanager
async def live_api(
    database_url: str, llm_base_url: str, model: str, recorded: list[Recorded]
) -> AsyncIterator[str]:
    """The platform API on a free loopback port, its LLM requests recorded into ``recorded``."""
    os.environ["WC_TUTOR_TEMPERATURE"] = "0"
    os.environ["WC_TUTOR_LEARNER_MESSAGES_PER_MINUTE"] = "10000"
    # Every timed turn encodes its question, as by default: a repeated question must not be
    # timed from a cached vector.
    os.environ["WC_RAG_QUERY_CACHE_SIZE"] = "0"
    settings = Settings(
        database_url=database_url,
        data_dir=Path(os.environ.get("TMPDIR", "/tmp")) / f"wc-bench-{uuid.uuid4().hex[:8]}",
        llm_base_url=llm_base_url,
        llm_model=model,
        serve_llm=False,
        load_demo_content=False,
        rate_limit_per_minute=100_000,
        log_level="WARNING",
    )
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        record_prompts(app.state.stores.llm, recorded)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def learner_token(client: httpx.AsyncClient) -> str:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.org"
    registered = await client.post(
        "/api/v1/auth/register",
        json={
            "email": email,
            "password": PASSWORD,
            "display_name": "Bench learner",
            "role": "student",
            "birth_date": "2000-01-01",
        },
    )
    registered.raise_for_status()
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    login.raise_for_status()
    token: str = login.json()["access_token"]
    return token


@dataclass
class ApiTurn:
    sent: float
    first_token: float
    done: float
    final: dict[str, Any]  # the ``done`` event


async def api_turn(
    client: httpx.AsyncClient, headers: dict[str, str], course_id: uuid.UUID, question: str
) -> ApiTurn:
    """One answer in a new session, with the monotonic times a client sees."""
    session = await client.post(
        "/api/v1/tutor/sessions", json={"course_id": str(course_id)}, headers=headers
    )
    session.raise_for_status()
    url = f"/api/v1/tutor/sessions/{session.json()['id']}/messages"
    sent = time.perf_counter()
    first = 0.0
    kind = ""
    async with client.stream("POST", url, json={"content": question}, headers=headers) as reply:
        reply.raise_for_status()
        async for line in reply.aiter_lines():
            if line.startswith("event:"):
                kind = line.removeprefix("event:").strip()
            elif line.startswith("data:") and kind == "token" and not first:
                first = time.perf_counter()
            elif line.startswith("data:") and kind in ("error", "done"):
                data = json.loads(line.removeprefix("data:"))
                if kind == "error":
                    raise RuntimeError(f"the tutor failed: {data}")
                return ApiTurn(sent, first, time.perf_counter(), data)
    raise RuntimeError("the answer stream ended without a done event")


async def bare_turn(llm: AsyncOpenAI, model: str, request: Recorded) -> Timed:
    options = {**request.options, "stream_options": {"include_usage": True}}
    sent = time.perf_counter()
    first = last = 0.0
    tokens = 0
    stream = await llm.chat.completions.create(
        model=model, messages=request.messages, stream=True, **options
    )
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            last = time.perf_counter()
            first = first or last
        if chunk.usage:
            tokens = chunk.usage.completion_tokens
    return Timed((first - sent) * 1000, tokens, last - first)


async def explain_mode(database: Database, course_id: uuid.UUID) -> None:
    """Explain mode: Socratic redirects would replace answers and skew tokens/s."""
    async with database.session() as session, session.begin():
        await session.merge(TutorPolicy(course_id=course_id, mode=TutorMode.EXPLAIN))


async def questions_of(database: Database, course_id: uuid.UUID, count: int) -> list[str]:
    async with database.session() as session:
        titles = await session.scalars(
            select(Lesson.title).filter_by(course_id=course_id).order_by(Lesson.position)
        )
        return [f"Can you explain {title.lower()}?" for title in list(titles)[1 : count + 1]]


async def timed_api_turn(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    course_id: uuid.UUID,
    question: str,
    recorded: list[Recorded],
) -> Timed:
    before = len(recorded)
    turn = await api_turn(client, headers, course_id, question)
    if len(recorded) != before + 1:
        raise RuntimeError(f"the answer did not come from the LLM: {turn.final}")
    tokens = recorded[-1].usage.completion_tokens
    return Timed((turn.first_token - turn.sent) * 1000, tokens, turn.done - turn.first_token)


async def measure_streaming(
    database: Database,
    database_url: str,
    course_id: uuid.UUID,
    llm: tuple[str, str],
    turns: int,
) -> StreamingResult:
    """``turns`` questions about the course's lessons, each timed through the API and bare."""
    llm_base_url, model = llm
    await explain_mode(database, course_id)
    result = StreamingResult()
    recorded: list[Recorded] = []
    bare = AsyncOpenAI(base_url=llm_base_url, api_key="not-needed", max_retries=0)
    async with (
        live_api(database_url, llm_base_url, model, recorded) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=300) as client,
    ):
        headers = {"Authorization": f"Bearer {await learner_token(client)}"}
        for index, question in enumerate(await questions_of(database, course_id, turns)):
            before = len(recorded)
            await api_turn(client, headers, course_id, question)  # records the prompt
            if len(recorded) == before:
                continue  # answered without the LLM ("not covered"): nothing to compare
            prompt = recorded[-1]
            api_first = index % 2 == 0
            for through_api in (api_first, not api_first):
                if through_api:
                    result.api.append(
                        await timed_api_turn(client, headers, course_id, question, recorded)
                    )
                else:
                    result.bare.append(await bare_turn(bare, model, prompt))
    await bare.close()
    return result


@asynccontextmanager
async def llm_application(base_url: str) -> AsyncIterator[tuple[str, str]]:
    """(base URL, model) of the LLM application: ``base_url`` when given, else ``wc serve``
    started on free loopback ports (the bundled model; about a minute) and stopped after."""
    model = ServingSettings().model_id
    if base_url:
        yield base_url, model
        return
    port = free_port()
    env = {**os.environ, "WC_SERVE_PORT": str(port), "WC_RAY_METRICS_PORT": str(free_port())}
    wc = str(Path(sys.executable).with_name("wc"))
    process = await asyncio.create_subprocess_exec(
        wc, "serve", env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        async with httpx.AsyncClient() as probe:
            deadline = time.monotonic() + LLM_START_TIMEOUT_S
            while True:
                if process.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError("wc serve did not start; run it alone to see why")
                with contextlib.suppress(httpx.HTTPError):
                    if (await probe.get(f"{url}/models")).status_code == 200:
                        break
                await asyncio.sleep(1)
        yield url, model
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 90)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Summary:
    ttft_p50_ms: float
    ttft_p95_ms: float
    tokens_per_s: float
    tokens: float


def summary(timings: list[Timed]) -> Summary:
    ttfts = [t.ttft_ms for t in timings]
    return Summary(
        statistics.median(ttfts),
        percentile(ttfts, 0.95),
        statistics.fmean(t.tokens_per_s for t in timings),
        statistics.fmean(t.tokens for t in timings),
    )


def goals_met(api: Summary, bare: Summary) -> tuple[bool, bool]:
    """(TTFT goal at p50, tokens/s goal)."""
    return (
        api.ttft_p50_ms <= bare.ttft_p50_ms * TTFT_GOAL_RATIO + TTFT_GOAL_MS,
        api.tokens_per_s >= TOKENS_GOAL * bare.tokens_per_s,
    )
