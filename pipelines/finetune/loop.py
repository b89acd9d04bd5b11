"""The pipeline's training loop: steps from where the session stands to the last one, each step's
loss and learning rate into MLflow in batches, a checkpoint every ``checkpoint_every`` steps and
after the last, and a report per step for a progress bar.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from pipelines.finetune.config import FinetuneConfig
from pipelines.finetune.data import BatchSource
from pipelines.finetune.tracking import MetricBuffer
from pipelines.finetune.train import TrainingSession, train_step


@dataclass(frozen=True)
class StepReport:
    step: int
    steps: int
    loss: float
    learning_rate: float


Progress = Callable[[StepReport], None]
SaveCheckpoint = Callable[[], None]


@dataclass(frozen=True)
class LoopOutcome:
    first_step: int  # the first step this process trained (a resumed run: checkpoint + 1)
    steps_run: int
    seconds: float  # wall time of those steps, metric writes and checkpoints included
    last_loss: float | None  # None when no step was left to run

    @property
    def seconds_per_step(self) -> float | None:
        return self.seconds / self.steps_run if self.steps_run else None


class TrainingLoop:
    def __init__(
        self,
        session: TrainingSession,
        batches: BatchSource,
        config: FinetuneConfig,
        metrics: MetricBuffer,
        save_checkpoint: SaveCheckpoint,
        progress: Progress | None = None,
    ) -> None:
        self.session = session
        self.batches = batches
        self.config = config
        self.metrics = metrics
        self.save_checkpoint = save_checkpoint
        self.progress = progress

    def run(self, until: int | None = None) -> LoopOutcome:
        """Train up to step ``until`` (default: the config's last step)."""
        last = self.config.steps if until is None else until
        first = self.session.step + 1
        last_loss = None
        started = time.perf_counter()
        while self.session.step < last:
            batch = self.batches.batch(self.session.step + 1).to(self.config.device)
            last_loss, learning_rate = train_step(self.session, batch, self.config.max_grad_norm)
            self._record(StepReport(self.session.step, last, last_loss, learning_rate))
        self.metrics.flush()
        seconds = time.perf_counter() - started
        return LoopOutcome(first, last - first + 1 if last >= first else 0, seconds, last_loss)

    def _record(self, report: StepReport) -> None:
        self.metrics.add(report.step, {"loss": report.loss, "learning_rate": report.learning_rate})
        if report.step % self.config.checkpoint_every == 0 or report.step == self.config.steps:
            # Metrics first: a checkpoint then implies its steps are in MLflow, and a run
            # resumed from it does not log them again.
            self.metrics.flush()
            self.save_checkpoint()
        elif report.step % self.config.log_every == 0:
            self.metrics.flush()
        if self.progress is not None:
            self.progress(report)
