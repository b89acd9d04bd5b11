"""LoRA seconds per step: the fine-tune pipeline's training loop (``pipelines.finetune.loop``, with
its batching, gradient clipping, schedule, per-step metrics written to a sqlite MLflow store in
batches) next to a bare peft loop (forward, backward, AdamW step) on the same batch: 4 rows × 256
tokens, fp32, r=8 on q_proj/v_proj. Blocks of the two alternate, so that a neighbour's load
falls on both. ``bench/ml.py`` prints the rows; ``python bench/_ml_finetune.py`` prints them too.
"""

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.finetune.config import FinetuneConfig
from pipelines.finetune.data import (
    Batch,
    BatchSource,
    TokenizedRow,
    collate,
    tokenize_conversations,
)
from pipelines.finetune.loop import TrainingLoop
from pipelines.finetune.tracking import MetricBuffer, make_client, start_run
from pipelines.finetune.train import attach_lora, load_base_model, new_session

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

BATCH_SIZE = 4
SEQUENCE_LENGTH = 256
GOAL = 0.95  # the pipeline's speed as a share of the bare loop's
_ANSWER = (
    "Start from what you know: the mean adds every value and divides by the count, so one very "
    "large value pulls it up. The median only looks at the middle of the ordered values, so it "
    "barely moves. Try it with five incomes where one is a millionaire's, and compare the two. "
)


@dataclass(frozen=True)
class PathTiming:
    path: str
    block_seconds_per_step: list[float]

    @property
    def seconds_per_step(self) -> float:
        return statistics.median(self.block_seconds_per_step)


def full_rows(tokenizer: "PreTrainedTokenizerBase") -> list[TokenizedRow]:
    """Four tutor exchanges long enough to fill 256 tokens each (cut there)."""
    conversations = [
        [
            {"role": "user", "content": f"Question {index}: why does the median resist outliers?"},
            {"role": "assistant", "content": _ANSWER * 6},
        ]
        for index in range(BATCH_SIZE)
    ]
    rows = tokenize_conversations(tokenizer, conversations, SEQUENCE_LENGTH).rows
    assert all(len(row.input_ids) == SEQUENCE_LENGTH for row in rows)
    return rows


def bench_config(work: Path) -> FinetuneConfig:
    return FinetuneConfig(
        dataset=str(work / "unused"),
        tracking_uri=f"sqlite:///{work / 'mlflow.db'}",
        work_dir=work / "work",
        batch_size=BATCH_SIZE,
        max_length=SEQUENCE_LENGTH,
        steps=100_000,  # the loop is run block by block; never reaches its end
        checkpoint_every=100_000,  # checkpoints are not steps: the bench times steps
        warmup_steps=0,
    )


def bare_step(config: FinetuneConfig, base: Path, batch: Batch) -> Callable[[], None]:
    """The reference: peft's LoRA model and AdamW, nothing else."""
    import torch

    model = attach_lora(load_base_model(base, config), config)
    model.train()
    optimizer = torch.optim.AdamW(
        [parameter for parameter in model.parameters() if parameter.requires_grad],
        lr=config.learning_rate,
    )

    def step() -> None:
        model(
            input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels
        ).loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return step


def pipeline_steps(
    config: FinetuneConfig, base: Path, rows: list[TokenizedRow], pad_id: int
) -> Callable[[int], None]:
    """The pipeline's loop over the same four rows, metrics going to a real MLflow run."""
    client = make_client(config.tracking_uri)
    run_id = start_run(client, config, {"code.version": "bench"})
    session = new_session(attach_lora(load_base_model(base, config), config), config)
    loop = TrainingLoop(
        session,
        BatchSource(rows, config.batch_size, config.seed, pad_id),
        config,
        MetricBuffer(client, run_id),
        save_checkpoint=lambda: None,
    )

    def advance(steps: int) -> None:
        loop.run(until=session.step + steps)

    return advance


def _timed(steps: int, block: Callable[[], None]) -> float:
    started = time.perf_counter()
    block()
    return (time.perf_counter() - started) / steps


@dataclass(frozen=True)
class Comparison:
    bare: PathTiming
    pipeline: PathTiming

    @property
    def pair_ratios(self) -> list[float]:
        """The pipeline's speed over the bare loop's, block pair by block pair: neighbours in
        time share the machine's load, so the median of these is steadier than a ratio of
        medians on a busy machine."""
        return [
            bare / pipeline
            for bare, pipeline in zip(
                self.bare.block_seconds_per_step, self.pipeline.block_seconds_per_step, strict=True
            )
        ]

    @property
    def ratio(self) -> float:
        return statistics.median(self.pair_ratios)


def measure(base: Path, steps_per_block: int = 2, pairs: int = 8) -> Comparison:
    """Alternating blocks, which of the two goes first swapping every pair. A pipeline block
    ends with a metrics write (the loop flushes when it returns), so short blocks write more
    often than the pipeline does in a run: the comparison leans against the pipeline."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base)
    pad_id = int(tokenizer.pad_token_id)
    rows = full_rows(tokenizer)
    with tempfile.TemporaryDirectory(prefix="bench-finetune-") as folder:
        config = bench_config(Path(folder))
        bare = bare_step(config, base, collate(rows, pad_id))
        pipeline = pipeline_steps(config, base, rows, pad_id)
        bare()  # warm-up: first-step allocations are not steady-state
        pipeline(1)
        bare_times, pipeline_times = [], []
        for pair in range(pairs):

            def bare_block() -> None:
                bare_times.append(_timed(steps_per_block, lambda: _repeat(bare, steps_per_block)))

            def pipeline_block() -> None:
                pipeline_times.append(_timed(steps_per_block, lambda: pipeline(steps_per_block)))

            first, second = (
                (bare_block, pipeline_block) if pair % 2 else (pipeline_block, bare_block)
            )
            first()
            second()
    return Comparison(
        PathTiming("bare peft loop", bare_times), PathTiming("pipeline loop", pipeline_times)
    )


def _repeat(step: Callable[[], None], times: int) -> None:
    for _ in range(times):
        step()


def finetune_rows(
    base: Path | None = None, steps_per_block: int = 2, pairs: int = 8
) -> list[dict[str, Any]]:
    """Rows for bench/ml.py's table: one per path, with the pipeline's share of the bare speed."""
    load_before = os.getloadavg()[0]
    comparison = measure(base or _bundled(), steps_per_block, pairs)
    # Two cores shared with other work: a load well above 2 makes the figures noise.
    load = f"{load_before:.1f} → {os.getloadavg()[0]:.1f}"
    ratio = comparison.ratio
    shape = f"{BATCH_SIZE}×{SEQUENCE_LENGTH}, fp32, LoRA r=8 q/v"
    rows = []
    for timing in (comparison.bare, comparison.pipeline):
        blocks = timing.block_seconds_per_step
        is_bare = timing is comparison.bare
        rows.append(
            {
                "path": timing.path,
                "batch": shape,
                "s/step": round(timing.seconds_per_step, 3),
                "range": f"{min(blocks):.2f}–{max(blocks):.2f}",
                "x bare speed": 1.0 if is_bare else round(ratio, 3),
                "goal": "" if is_bare else f"≥ {GOAL}: {'met' if ratio >= GOAL else 'MISSED'}",
                "load avg": load,
            }
        )
    return rows


def _bundled() -> Path:
    from serving.models import prepare_model
    from serving.settings import BUNDLED_MODEL, ServingSettings

    settings = ServingSettings()
    return prepare_model(BUNDLED_MODEL, settings.models_dir, settings.tracking_uri)


if __name__ == "__main__":
    for row in finetune_rows():
        print(row)
