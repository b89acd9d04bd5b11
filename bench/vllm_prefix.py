"""vLLM's CPU engine on this machine: reading prompts, and what its prefix cache saves.

    .venv/bin/python bench/vllm_prefix.py [--prompts 48] [--at-once 16]

Why: a content topic sends the writer three prompts that carry the same sources (and the item
writer and critic prompts that carry the same lesson). On a CPU, reading a prompt is not cheap
next to writing the answer, so whether the shared beginning is read once or every time matters.
Each row starts bare ``AsyncLLM`` in a fresh process (``bench/_vllm_engine.py``), warms it, then
sends ``--prompts`` prompts of their own ~350 words, ``--at-once`` at a time, 8 tokens out each:
alone; after one shared ~350-word beginning (as the content prompts now begin with the sources),
with vLLM's prefix cache on (its default) and off. The ratio compares each row's seconds with the
prompts alone, in the same run.
"""

import argparse
import asyncio
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

console = Console(width=None if sys.stdout.isatty() else 132)
WORDS = 350
# (label, shared beginning, prefix cache)
ROWS = (
    ("own text only", False, True),
    ("shared beginning, prefix cache on", True, True),
    ("shared beginning, prefix cache off", True, False),
)


def prompt_texts(count: int, shared: bool) -> list[str]:
    """Prompts made of the README's words (real text, distinct per prompt)."""
    words = (ROOT / "README.md").read_text().split()
    beginning = "Sources: " + " ".join(words[:WORDS]) + "\n" if shared else ""
    texts = []
    for number in range(count):
        start = (number * 37) % max(1, len(words) - WORDS)
        own = " ".join(words[start : start + WORDS])
        texts.append(
            f"<|im_start|>user\n{beginning}{own}\nQuestion {number}?<|im_end|>\n"
            "<|im_start|>assistant\n"
        )
    return texts


def measure_in_this_process(args: argparse.Namespace) -> dict[str, float]:
    from _vllm_engine import start_engine
    from vllm import SamplingParams

    engine = start_engine(enable_prefix_caching=args.cache)
    sampling = SamplingParams(max_tokens=8, temperature=0.3)
    prompts = prompt_texts(args.prompts, args.shared)

    async def one(prompt: str) -> int:
        read = 0
        async for output in engine.generate(prompt, sampling, request_id=uuid.uuid4().hex):
            read = len(output.prompt_token_ids or [])
        return read

    async def run() -> dict[str, float]:
        await one(prompt_texts(1, not args.shared)[0])  # warm-up, sharing nothing measured
        gate = asyncio.Semaphore(args.at_once)

        async def gated(prompt: str) -> int:
            async with gate:
                return await one(prompt)

        started = time.perf_counter()
        read = await asyncio.gather(*(gated(p) for p in prompts))
        return {"prompt_tokens": sum(read), "seconds": time.perf_counter() - started}

    try:
        return asyncio.run(run())
    finally:
        engine.shutdown()


def measure_in_child(shared: bool, cache: bool, args: argparse.Namespace) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", "--prompts", str(args.prompts)]
    command += ["--at-once", str(args.at_once)]
    command += ["--shared"] if shared else []
    command += [] if cache else ["--no-cache"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads([line for line in done.stdout.splitlines() if line[:1] == "{"][-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=48)
    parser.add_argument("--at-once", type=int, default=16)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--shared", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-cache", dest="cache", action="store_false", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_in_this_process(args)))
        return
    results = []
    with console.status("") as status:
        for label, shared, cache in ROWS:
            status.update(label)
            results.append((label, measure_in_child(shared, cache, args)))
    baseline = results[0][1]["seconds"]
    table = Table(title=f"vLLM CPU, {args.prompts} prompts, {args.at_once} at a time")
    for column in ("prompts", "prompt tokens", "seconds", "prompt tokens/s", "time vs own text"):
        table.add_column(column, justify="right")
    for label, result in results:
        table.add_row(
            label,
            f"{result['prompt_tokens']:.0f}",
            f"{result['seconds']:.1f}",
            f"{result['prompt_tokens'] / result['seconds']:.0f}",
            f"{result['seconds'] / baseline:.2f}x",
        )
    console.print(table)


if __name__ == "__main__":
    main()
