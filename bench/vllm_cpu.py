"""vLLM's CPU engine on this machine: JSON-schema throughput by thread layout, alone and beside
a busy neighbour.

    .venv/bin/python bench/vllm_cpu.py [--requests 16] [--max-tokens 400]

Why: on a 2-core machine the engine never has the machine to itself (the platform API, Ray,
a test run share its cores), and how its compute threads are laid out decides how it shares
them. Three layouts: vLLM's default (one OpenMP thread bound to each core but one, which it
keeps for its scheduler), one bound thread per core with none reserved, and one thread left
unbound (``VLLM_CPU_OMP_THREADS_BIND=nobind``, ``OMP_NUM_THREADS=1``). ``serving.llm.engine_env``
gives the second on a machine of at most 2 cores, the third when ``WC_CPU_COMPUTE_THREADS=1``.

Each row starts bare ``AsyncLLM`` in a fresh process (the variables are read at engine start)
with ``serving.llm.engine_kwargs``, warms it with one request, then sends ``--requests``
lesson-shaped JSON-schema requests (xgrammar, temperature 0.3), at most ``concurrency`` at a time.
With a neighbour, a busy-looping Python process runs for exactly the timed window. Tokens/s is
every output token over the wall time; "engine cores" is the engine's CPU time over the wall
time (its spin-waits included), "neighbour cores" what the neighbour got; the ratio compares
each row with vLLM's default layout at the same concurrency and neighbour, in the same run.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

console = Console(width=None if sys.stdout.isatty() else 132)
LAYOUTS: dict[str, dict[str, str]] = {
    "vLLM default (bound, 1 reserved)": {},
    "bound, none reserved": {"VLLM_CPU_NUM_OF_RESERVED_CPU": "0"},
    "1 unbound thread": {"VLLM_CPU_OMP_THREADS_BIND": "nobind", "OMP_NUM_THREADS": "1"},
}
BASELINE = "vLLM default (bound, 1 reserved)"
CONCURRENCIES = (1, 8)
# The variables a layout sets; each child starts without any of them but its own.
LAYOUT_VARIABLES = (
    "VLLM_CPU_NUM_OF_RESERVED_CPU",
    "VLLM_CPU_OMP_THREADS_BIND",
    "OMP_NUM_THREADS",
)
BUSY_LOOP = "while True: pass"
LESSON_SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "maxLength": 80},
        "paragraphs": {
            "type": "array",
            "minItems": 2,
            "maxItems": 3,
            "items": {"type": "string", "minLength": 20, "maxLength": 320},
        },
    },
    "required": ["title", "paragraphs"],
}


@dataclass
class Row:
    layout: str
    concurrency: int
    neighbour: bool
    tokens: int
    seconds: float
    engine_cpu_seconds: float
    neighbour_cpu_seconds: float

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds


def cpu_seconds(process: psutil.Process) -> float:
    """CPU time of a process and its descendants (vLLM's engine core and worker processes)."""
    total = 0.0
    for member in (process, *process.children(recursive=True)):
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def measure_in_this_process(args: argparse.Namespace) -> dict[str, float]:
    from _vllm_engine import start_engine
    from vllm import SamplingParams
    from vllm.sampling_params import StructuredOutputsParams

    engine = start_engine()
    sampling = SamplingParams(
        max_tokens=args.max_tokens,
        temperature=0.3,
        structured_outputs=StructuredOutputsParams(json=LESSON_SCHEMA),
    )
    prompts = [
        "<|im_start|>user\nWrite a short lesson on Python topic number "
        f"{n}: loops, strings or files. Answer as JSON.<|im_end|>\n<|im_start|>assistant\n"
        for n in range(args.requests)
    ]
    this_process = psutil.Process()

    async def one(prompt: str) -> int:
        tokens = 0
        async for output in engine.generate(prompt, sampling, request_id=uuid.uuid4().hex):
            tokens = len(output.outputs[0].token_ids)
        return tokens

    async def run() -> dict[str, float]:
        await one(prompts[0])  # warm-up
        gate = asyncio.Semaphore(args.child)

        async def gated(prompt: str) -> int:
            async with gate:
                return await one(prompt)

        neighbour = None
        if args.neighbour:
            neighbour = await asyncio.create_subprocess_exec(sys.executable, "-c", BUSY_LOOP)
        engine_before = cpu_seconds(this_process) - cpu_seconds_of(neighbour)
        started = time.perf_counter()
        counts = await asyncio.gather(*(gated(p) for p in prompts))
        seconds = time.perf_counter() - started
        neighbour_cpu = cpu_seconds_of(neighbour)
        engine_cpu = cpu_seconds(this_process) - neighbour_cpu - engine_before
        if neighbour is not None:
            neighbour.kill()
        return {
            "tokens": sum(counts),
            "seconds": seconds,
            "engine_cpu_seconds": engine_cpu,
            "neighbour_cpu_seconds": neighbour_cpu,
        }

    try:
        return asyncio.run(run())
    finally:
        engine.shutdown()


def cpu_seconds_of(process: asyncio.subprocess.Process | None) -> float:
    return 0.0 if process is None else cpu_seconds(psutil.Process(process.pid))


def measure_in_child(
    layout: str, concurrency: int, neighbour: bool, args: argparse.Namespace
) -> Row:
    from serving.settings import ServingSettings

    env = {key: value for key, value in os.environ.items() if key not in LAYOUT_VARIABLES}
    env |= {"VLLM_CPU_KVCACHE_SPACE": str(ServingSettings().cpu_kv_cache_gib)}
    env |= LAYOUTS[layout]
    command = [sys.executable, __file__, "--child", str(concurrency)]
    command += ["--requests", str(args.requests), "--max-tokens", str(args.max_tokens)]
    command += ["--neighbour"] if neighbour else []
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    last = [line for line in done.stdout.splitlines() if line.startswith("{")][-1]
    result = json.loads(last)
    return Row(
        layout,
        concurrency,
        neighbour,
        int(result["tokens"]),
        float(result["seconds"]),
        float(result["engine_cpu_seconds"]),
        float(result["neighbour_cpu_seconds"]),
    )


def print_table(rows: list[Row]) -> None:
    baselines = {(r.concurrency, r.neighbour): r for r in rows if r.layout == BASELINE}
    table = Table(title=f"vLLM CPU, JSON-schema output, {len(os.sched_getaffinity(0))} cores")
    columns = ("layout", "at a time", "neighbour", "tokens", "seconds", "tokens/s")
    for column in (*columns, "engine cores", "neighbour cores", "vs vLLM default"):
        table.add_column(column, justify="left" if column == "layout" else "right")
    for row in rows:
        baseline = baselines[(row.concurrency, row.neighbour)]
        table.add_row(
            row.layout,
            str(row.concurrency),
            "busy" if row.neighbour else "none",
            str(row.tokens),
            f"{row.seconds:.1f}",
            f"{row.tokens_per_second:.1f}",
            f"{row.engine_cpu_seconds / row.seconds:.2f}",
            f"{row.neighbour_cpu_seconds / row.seconds:.2f}" if row.neighbour else "",
            f"{row.tokens_per_second / baseline.tokens_per_second:.2f}x",
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=16, help="requests per row")
    parser.add_argument("--max-tokens", type=int, default=400, help="most tokens per request")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--neighbour", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_in_this_process(args)))
        return
    rows = []
    with console.status("") as status:
        for neighbour in (False, True):
            for concurrency in CONCURRENCIES:
                for layout in LAYOUTS:
                    beside = "beside a busy process" if neighbour else "alone"
                    status.update(f"{layout}, {concurrency} at a time, {beside}")
                    rows.append(measure_in_child(layout, concurrency, neighbour, args))
    print_table(rows)


if __name__ == "__main__":
    main()
