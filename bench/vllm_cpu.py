"""vLLM's CPU engine on this machine: JSON-schema throughput by reserved cores and batch size.

    .venv/bin/python bench/vllm_cpu.py [--requests 32] [--max-tokens 400]

Why: content generation and grading send JSON-schema requests, and on a 2-core machine two
engine settings decide their speed: how many cores vLLM keeps for its scheduler process
(``VLLM_CPU_NUM_OF_RESERVED_CPU``; its default keeps one, leaving one for the model) and how many
requests run at once. Each row starts bare ``AsyncLLM`` in a fresh process (the variables are read
at engine start) with ``serving.llm.engine_kwargs``, warms it with one request, then sends
``--requests`` lesson-shaped JSON-schema requests (xgrammar, temperature 0.3), at most
``concurrency`` at a time. Tokens/s is every output token over the wall time; the ratio compares
each row with vLLM's default (one core reserved) at 8 requests at a time, in the same run.
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

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

console = Console(width=None if sys.stdout.isatty() else 132)
# (cores reserved for the scheduler, requests at a time); None is vLLM's own default.
ROWS: tuple[tuple[int | None, int], ...] = ((None, 8), (0, 4), (0, 8), (0, 16))
BASELINE = (None, 8)
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
    reserved: int | None
    concurrency: int
    tokens: int
    seconds: float

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds


def measure_in_this_process(concurrency: int, requests: int, max_tokens: int) -> dict[str, float]:
    from _vllm_engine import start_engine
    from vllm import SamplingParams
    from vllm.sampling_params import StructuredOutputsParams

    engine = start_engine()
    sampling = SamplingParams(
        max_tokens=max_tokens,
        temperature=0.3,
        structured_outputs=StructuredOutputsParams(json=LESSON_SCHEMA),
    )
    prompts = [
        "<|im_start|>user\nWrite a short lesson on Python topic number "
        f"{n}: loops, strings or files. Answer as JSON.<|im_end|>\n<|im_start|>assistant\n"
        for n in range(requests)
    ]

    async def one(prompt: str) -> int:
        tokens = 0
        async for output in engine.generate(prompt, sampling, request_id=uuid.uuid4().hex):
            tokens = len(output.outputs[0].token_ids)
        return tokens

    async def run() -> dict[str, float]:
        await one(prompts[0])  # warm-up
        gate = asyncio.Semaphore(concurrency)

        async def gated(prompt: str) -> int:
            async with gate:
                return await one(prompt)

        started = time.perf_counter()
        counts = await asyncio.gather(*(gated(p) for p in prompts))
        return {"tokens": sum(counts), "seconds": time.perf_counter() - started}

    try:
        return asyncio.run(run())
    finally:
        engine.shutdown()


def measure_in_child(reserved: int | None, concurrency: int, args: argparse.Namespace) -> Row:
    from serving.settings import ServingSettings

    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": str(ServingSettings().cpu_kv_cache_gib)}
    env.pop("VLLM_CPU_NUM_OF_RESERVED_CPU", None)
    if reserved is not None:
        env["VLLM_CPU_NUM_OF_RESERVED_CPU"] = str(reserved)
    command = [sys.executable, __file__, "--child", str(concurrency)]
    command += ["--requests", str(args.requests), "--max-tokens", str(args.max_tokens)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    last = [line for line in done.stdout.splitlines() if line.startswith("{")][-1]
    result = json.loads(last)
    return Row(reserved, concurrency, int(result["tokens"]), float(result["seconds"]))


def print_table(rows: list[Row]) -> None:
    baseline = next(r for r in rows if (r.reserved, r.concurrency) == BASELINE)
    table = Table(title=f"vLLM CPU, JSON-schema output, {len(os.sched_getaffinity(0))} cores")
    for column in ("cores reserved", "at a time", "tokens", "seconds", "tokens/s", "vs default@8"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            "vLLM default" if row.reserved is None else str(row.reserved),
            str(row.concurrency),
            str(row.tokens),
            f"{row.seconds:.1f}",
            f"{row.tokens_per_second:.1f}",
            f"{row.tokens_per_second / baseline.tokens_per_second:.2f}x",
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=32, help="requests per row")
    parser.add_argument("--max-tokens", type=int, default=400, help="most tokens per request")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = measure_in_this_process(args.child, args.requests, args.max_tokens)
        print(json.dumps(result))
        return
    rows = []
    with console.status("") as status:
        for reserved, concurrency in ROWS:
            status.update(f"engine with {reserved} reserved, {concurrency} at a time")
            rows.append(measure_in_child(reserved, concurrency, args))
    print_table(rows)


if __name__ == "__main__":
    main()
