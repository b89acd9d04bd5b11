"""The ML engineers' loop, measured in one run.

    .venv/bin/python bench/ml.py [--turns 1000000] [--eval-limit 40] [--finetune-steps 60]
                                 [--database-url URL] [--skip ...]

1. LoRA seconds per step: the fine-tune pipeline's loop next to a bare peft loop on the same batch
   (4 × 256 tokens, fp32; goal ≥ 0.95× the bare speed).
2. Eval suite wall time and questions/s: ``wc eval run model`` (through the runner and MLflow)
   next to the bare endpoint calls it makes, against the bundled model served by vLLM.
3. Dataset build rows/s from ClickHouse (chDB) over ``--turns`` captured turns, next to the bare
   chDB query selecting the same turns.
4. The honest table: the bundled model before and after a fine-tune of ``--finetune-steps`` steps
   on the books' worked solutions (the training half; eval questions held out), each suite with
   its 95 % intervals and the paired comparison's verdict. The ``model`` suite always; ``tutor``
   and ``safety`` too when ``--database-url`` names a database with the eval books imported.
"""

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

console = Console(width=None if sys.stdout.isatty() else 140)
SECTIONS = ("lora", "evals", "dataset", "before-after")


def print_rows(title: str, rows: list[dict[str, Any]]) -> None:
    table = Table(title=title)
    for column in rows[0]:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    console.print(table)


def lora_section() -> None:
    from _ml_finetune import finetune_rows

    print_rows("LoRA seconds per step (bundled SmolLM2-135M)", finetune_rows())


def evals_section(limit: int) -> None:
    from _ml_evals import eval_rows

    from evals.heldout import default_books_dir
    from evals.targets import served_model

    with served_model("bundled") as target:
        rows = eval_rows(target, default_books_dir(), limit)
    print_rows(f"Eval suite `model`, {limit} questions a part, bundled model on vLLM", rows)


def dataset_section(turns: int) -> None:
    from _ml_dataset import measure, table_rows

    with tempfile.TemporaryDirectory(prefix="bench-dataset-") as folder:
        _, timings = measure(Path(folder), turns)
    print_rows(f"Dataset build from ClickHouse, {turns:,} captured turns", table_rows(timings))


def before_after_section(steps: int, limit: int, database_url: str | None) -> None:
    from _ml_before_after import before_after_rows

    rows = before_after_rows(steps, limit, database_url)
    print_rows(f"Bundled model before and after {steps} LoRA steps (95 % intervals)", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--eval-limit", type=int, default=40)
    parser.add_argument("--finetune-steps", type=int, default=60)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--skip", nargs="*", choices=SECTIONS, default=[])
    args = parser.parse_args()
    if "lora" not in args.skip:
        lora_section()
    if "evals" not in args.skip:
        evals_section(args.eval_limit)
    if "dataset" not in args.skip:
        dataset_section(args.turns)
    if "before-after" not in args.skip:
        before_after_section(args.finetune_steps, args.eval_limit, args.database_url)


if __name__ == "__main__":
    main()
