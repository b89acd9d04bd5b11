"""LLM serving benchmark: what Ray Serve LLM costs over bare vLLM, on the same model, in one run.

    .venv/bin/python bench/llm.py [--max-tokens 128] [--requests-per-level 8] [--port N]

Method. The served model (``WC_MODEL_SOURCE``, by default the bundled SmolLM2-135M-Instruct) is
prepared once; then two engines run one after the other, never side by side (on 2 cores they
would steal each other's CPU), each warmed up with one request before measuring:

1. bare vLLM in this process: ``AsyncLLM`` from ``engine_kwargs(settings)`` with
   ``VLLM_CPU_KVCACHE_SPACE`` as ``wc serve`` sets it. Prompts are the user questions rendered by
   the tokenizer's chat template (what the OpenAI chat endpoint renders), passed as token ids.
2. the Serve application (``serving.app.build_app``) over HTTP, driven by the official ``openai``
   ``AsyncOpenAI`` client with streaming chat completions; ``stream_options.include_usage``
   gives the output token count.

Both use greedy decoding and ``ignore_eos`` with the same ``max_tokens``, so every request
produces exactly that many tokens and the runs are comparable. Each concurrency level (1 and 8)
is a closed loop: C workers send requests back to back (concurrency 1: ``--requests-per-level``
sequential requests; concurrency 8: at least two full waves). Time to first token (TTFT) runs from
sending a request to its first non-empty text; tokens/s is every output token of the level over
the level's wall time; "others' CPU" is the share of the machine's CPUs that processes outside
this benchmark's process tree used meanwhile (a busy machine, not the stack, may explain a gap).
The platform path (the tutor API in front of Serve: retrieval, the graph, SSE) is measured by
``bench/tutor.py`` part (a), next to this Serve application answering the same prompt.
"""

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import psutil
from openai.types.chat import ChatCompletionMessageParam
from rich.console import Console
from rich.status import Status
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from llm_loadgen import QUESTIONS, LevelResult, StreamTiming, requests_for, run_level
from ports import free_port

if TYPE_CHECKING:
    from openai import AsyncOpenAI
    from vllm.sampling_params import SamplingParams
    from vllm.v1.engine.async_llm import AsyncLLM

# Piped output (CI logs, `| tee`) gets 80 columns by default, which wraps the table beyond reading.
console = Console(width=None if sys.stdout.isatty() else 132)
CONCURRENCY_LEVELS = (1, 8)
THROUGHPUT_GOAL = 0.9  # Serve tokens/s at least this fraction of bare vLLM's
ADDED_TTFT_GOAL_MS = 50.0  # Serve p50 TTFT at most this much above bare vLLM's
# Above this share of the machine's CPUs used by others during a level, its numbers measure the
# neighbours as much as the stack (seen: 49-71 % while another `wc serve` started).
BUSY_MACHINE_SHARE = 0.25
Messages = list[ChatCompletionMessageParam]
PromptT = TypeVar("PromptT")


@dataclass(frozen=True)
class PathResult:
    """One path's measured levels, and how long its engine took to come up."""

    name: str
    startup_s: float
    levels: dict[int, LevelResult]


def chat_messages() -> list[Messages]:
    return [[{"role": "user", "content": question}] for question in QUESTIONS]


async def measure_levels(
    send: Callable[[PromptT], Awaitable[StreamTiming]],
    prompts: list[PromptT],
    requests_per_level: int,
    status: Status,
    name: str,
) -> dict[int, LevelResult]:
    """Warm up with one request, then run every concurrency level."""
    status.update(f"{name}: warm-up request")
    await send(prompts[0])
    levels = {}
    for concurrency in CONCURRENCY_LEVELS:
        requests = requests_for(concurrency, requests_per_level)
        status.update(f"{name}: {requests} requests at concurrency {concurrency}")
        levels[concurrency] = await run_level(send, prompts, concurrency, requests)
        result = levels[concurrency]
        console.log(
            f"{name} c={concurrency}: {result.tokens_per_s:.1f} tokens/s, "
            f"TTFT p50 {result.ttft_p50_ms:.0f} ms over {len(result.timings)} requests"
        )
    return levels


# -- 1. bare vLLM, in process -----------------------------------------------------------------


async def bare_stream(
    engine: "AsyncLLM", prompt_ids: list[int], params: "SamplingParams"
) -> StreamTiming:
    from vllm.inputs import TokensPrompt

    started = time.perf_counter()
    first: float | None = None
    tokens = 0
    stream = engine.generate(TokensPrompt(prompt_token_ids=prompt_ids), params, uuid.uuid4().hex)
    async for output in stream:
        completion = output.outputs[0]
        if first is None and completion.text:
            first = time.perf_counter()
        tokens += len(completion.token_ids)  # DELTA outputs: only the new tokens
    return StreamTiming((first or time.perf_counter()) - started, tokens, len(prompt_ids))


def import_vllm() -> None:
    """Import vLLM here, not inside ``bare_vllm``: the frame that first imports vLLM's modules
    stays referenced for the life of the process, and if that frame held the engine, the engine
    would outlive its shutdown and fail again in ``__del__`` at interpreter exit."""
    import vllm.engine.arg_utils
    import vllm.inputs
    import vllm.sampling_params
    import vllm.v1.engine.async_llm  # noqa: F401


async def bare_vllm(
    model_dir: Path, settings: Any, args: argparse.Namespace, status: Status
) -> PathResult:
    from transformers import AutoTokenizer
    from vllm.engine.arg_utils import AsyncEngineArgs
    from vllm.sampling_params import RequestOutputKind, SamplingParams
    from vllm.v1.engine.async_llm import AsyncLLM

    from serving.llm import engine_env, engine_kwargs

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    prompts = [
        cast(
            list[int],
            tokenizer.apply_chat_template(
                [{"role": "user", "content": question}],
                add_generation_prompt=True,
                tokenize=True,
                return_dict=False,
            ),
        )
        for question in QUESTIONS  # the same conversations as chat_messages()
    ]
    params = SamplingParams(
        max_tokens=args.max_tokens,
        ignore_eos=True,
        temperature=0,
        output_kind=RequestOutputKind.DELTA,  # what the OpenAI server streams with
    )
    os.environ.update(engine_env(settings))
    status.update("bare vLLM: starting the engine")
    started = time.perf_counter()
    engine = AsyncLLM.from_engine_args(
        AsyncEngineArgs(model=str(model_dir), **engine_kwargs(settings))
    )
    startup_s = time.perf_counter() - started
    try:

        async def send(prompt_ids: list[int]) -> StreamTiming:
            return await bare_stream(engine, prompt_ids, params)

        levels = await measure_levels(send, prompts, args.requests_per_level, status, "bare vLLM")
    finally:
        status.update("bare vLLM: shutting down")
        engine.shutdown()
    return PathResult("bare vLLM", startup_s, levels)


def is_engine(process: psutil.Process) -> bool:
    try:
        return "resource_tracker" not in " ".join(process.cmdline())
    except psutil.ZombieProcess:
        return True  # killed but not yet reaped: waiting on it reaps it
    except psutil.Error:
        return False


def wait_for_children_exit(timeout_s: float = 60) -> None:
    """The engine core runs in child processes; the next engine starts only once they are gone.
    multiprocessing's resource tracker lives as long as this process and holds no CPU."""
    _, alive = psutil.wait_procs(
        [child for child in psutil.Process().children(recursive=True) if is_engine(child)],
        timeout=timeout_s,
    )
    if alive:
        raise RuntimeError(f"engine processes still alive after shutdown: {alive}")


# -- 2. the Serve application, over HTTP ------------------------------------------------------


async def serve_stream(
    client: "AsyncOpenAI", model: str, messages: Messages, max_tokens: int
) -> StreamTiming:
    started = time.perf_counter()
    first: float | None = None
    usage = None
    stream = await client.chat.completions.create(
        model=model,
        messages=messages,
        max_tokens=max_tokens,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
        extra_body={"ignore_eos": True},
    )
    async for chunk in stream:
        if first is None and any(choice.delta.content for choice in chunk.choices):
            first = time.perf_counter()
        if chunk.usage is not None:
            usage = chunk.usage
    if usage is None:
        raise RuntimeError("the stream carried no usage chunk")
    ttft_s = (first or time.perf_counter()) - started
    return StreamTiming(ttft_s, usage.completion_tokens, usage.prompt_tokens)


async def measure_over_http(
    port: int, model: str, args: argparse.Namespace, status: Status
) -> dict[int, LevelResult]:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(
        base_url=f"http://127.0.0.1:{port}/v1", api_key="unused", max_retries=0, timeout=600
    )
    try:

        async def send(messages: Messages) -> StreamTiming:
            return await serve_stream(client, model, messages, args.max_tokens)

        return await measure_levels(send, chat_messages(), args.requests_per_level, status, "Serve")
    finally:
        await client.close()


def serve_over_http(settings: Any, args: argparse.Namespace, status: Status) -> PathResult:
    import ray
    from ray import serve

    from serving.app import APP_NAME, build_app
    from serving.ray_runtime import start_ray

    port = args.port or free_port()
    status.update(f"Serve: deploying the application on 127.0.0.1:{port} (about a minute)")
    started = time.perf_counter()
    # As `wc serve` starts it (serving.runner.run_application), worker niceness included.
    start_ray(
        settings.ray_address, settings.ray_num_cpus, worker_niceness=settings.ray_worker_niceness
    )
    try:
        serve.start(http_options={"host": "127.0.0.1", "port": port})
        serve.run(build_app(), name=APP_NAME, route_prefix="/")
        startup_s = time.perf_counter() - started
        levels = asyncio.run(measure_over_http(port, settings.model_id, args, status))
    finally:
        status.update("Serve: shutting down")
        serve.shutdown()
        ray.shutdown()
    return PathResult("Serve over HTTP", startup_s, levels)


# -- the report -------------------------------------------------------------------------------


def results_table(bare: PathResult, served: PathResult, args: argparse.Namespace) -> Table:
    table = Table(
        title=f"Streaming chat, {args.max_tokens} output tokens per request (ignore_eos, greedy)",
        caption="bare vLLM: in-process AsyncLLM · Serve over HTTP: Ray Serve LLM app, openai "
        "client · TTFT added: p50 minus bare p50 · others' CPU: machine CPU used outside this run",
    )
    table.add_column("path", no_wrap=True)
    for column in (
        "concurrency",
        "requests",
        "TTFT p50 ms",
        "TTFT mean ms",
        "tokens/s",
        "tokens/s vs bare",
        "TTFT added ms",
        "others' CPU",
    ):
        table.add_column(column, justify="right")
    for path in (bare, served):
        for concurrency, level in path.levels.items():
            baseline = bare.levels[concurrency]
            table.add_row(
                path.name,
                str(concurrency),
                str(len(level.timings)),
                f"{level.ttft_p50_ms:.0f}",
                f"{level.ttft_mean_ms:.0f}",
                f"{level.tokens_per_s:.1f}",
                f"{level.tokens_per_s / baseline.tokens_per_s:.2f}×",
                f"{level.ttft_p50_ms - baseline.ttft_p50_ms:+.0f}",
                f"{level.others_cpu:.0%}",
            )
        table.add_section()
    return table


def goal_lines(bare: PathResult, served: PathResult) -> list[str]:
    ratios = [served.levels[c].tokens_per_s / bare.levels[c].tokens_per_s for c in bare.levels]
    added = [served.levels[c].ttft_p50_ms - bare.levels[c].ttft_p50_ms for c in bare.levels]

    def verdict(ok: bool) -> str:
        return "[green]PASS[/]" if ok else "[red]MISS[/]"

    return [
        f"Serve ≥ {THROUGHPUT_GOAL}× bare throughput: "
        f"{verdict(min(ratios) >= THROUGHPUT_GOAL)} (worst {min(ratios):.2f}×)",
        f"≤ {ADDED_TTFT_GOAL_MS:.0f} ms added TTFT: "
        f"{verdict(max(added) <= ADDED_TTFT_GOAL_MS)} (worst {max(added):+.1f} ms at p50)",
        *busy_machine_warning(bare, served),
    ]


def busy_machine_warning(bare: PathResult, served: PathResult) -> list[str]:
    busy = [
        f"{path.name} c={concurrency} ({level.others_cpu:.0%})"
        for path in (bare, served)
        for concurrency, level in path.levels.items()
        if level.others_cpu > BUSY_MACHINE_SHARE
    ]
    if not busy:
        return []
    return [f"[yellow]verdicts unreliable, the machine was busy during {', '.join(busy)}: rerun[/]"]


def check_same_prompts(bare: PathResult, served: PathResult, max_tokens: int) -> None:
    """Warn when the two paths did not see the same prompts or produce the same token counts."""
    for path in (bare, served):
        counts = {t.output_tokens for level in path.levels.values() for t in level.timings}
        if counts != {max_tokens}:
            console.print(f"[yellow]{path.name}: output token counts {sorted(counts)}[/]")
    bare_prompts = {t.prompt_tokens for t in bare.levels[1].timings}
    served_prompts = {t.prompt_tokens for t in served.levels[1].timings}
    if bare_prompts != served_prompts:
        console.print(
            f"[yellow]prompt token counts differ: bare {sorted(bare_prompts)}, "
            f"Serve {sorted(served_prompts)}[/]"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-tokens", type=int, default=128, help="output tokens per request")
    parser.add_argument(
        "--requests-per-level",
        type=int,
        default=8,
        help="requests at concurrency 1; higher levels send at least two full waves",
    )
    parser.add_argument("--port", type=int, default=0, help="Serve HTTP port (0: a free one)")
    return parser.parse_args()


def main() -> None:
    from core.boot import apply_offline_switches

    apply_offline_switches()
    args = parse_args()
    from serving.app import resolve_model_dir
    from serving.ray_runtime import keep_local_ray_on_loopback
    from serving.settings import ServingSettings

    began = time.perf_counter()
    settings = ServingSettings()
    if not settings.ray_address:  # before vLLM imports ray: the local Ray stays on loopback
        keep_local_ray_on_loopback()
    with console.status("preparing the model") as status:
        model_dir = resolve_model_dir(settings)
        console.log(f"model {settings.model_id}: {model_dir}")
        import_vllm()
        bare = asyncio.run(bare_vllm(model_dir, settings, args, status))
        status.update("bare vLLM: waiting for the engine processes to exit")
        wait_for_children_exit()
        served = serve_over_http(settings, args, status)
    console.print(results_table(bare, served, args))
    for line in goal_lines(bare, served):
        console.print(line)
    check_same_prompts(bare, served, args.max_tokens)
    console.print(
        f"engine start: bare {bare.startup_s:.0f} s, Serve deploy {served.startup_s:.0f} s; "
        f"total run {time.perf_counter() - began:.0f} s"
    )


if __name__ == "__main__":
    main()
