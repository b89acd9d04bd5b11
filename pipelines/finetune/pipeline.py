"""``run(config)``: one MLflow run that fine-tunes the base model with LoRA on an SFT dataset,
logs loss and learning rate per step, checkpoints as it goes, and registers the merged model as a
new version of ``tutor-llm`` with its lineage. Run again with the same config and work_dir after a
kill, it continues the same MLflow run from the last checkpoint.
"""

import fcntl
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.model_registry import version_uri
from pipelines.finetune import checkpoints
from pipelines.finetune.checkpoints import Checkpoint, CheckpointMeta
from pipelines.finetune.config import FinetuneConfig
from pipelines.finetune.data import IGNORE_INDEX, BatchSource, TokenizedRows, read_conversations
from pipelines.finetune.data import tokenize_conversations as tokenize
from pipelines.finetune.lineage import (
    BaseModelInput,
    DatasetInput,
    code_version,
    lineage_tags,
    resolve_base_model,
    resolve_dataset,
)
from pipelines.finetune.loop import LoopOutcome, Progress, TrainingLoop
from pipelines.finetune.register import publish
from pipelines.finetune.tracking import MetricBuffer, make_client, reopen_run, start_run
from pipelines.finetune.train import (
    TrainingSession,
    attach_lora,
    load_base_model,
    mean_token_loss,
    new_session,
)
from serving.settings import ServingSettings

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from transformers import PreTrainedTokenizerBase


@dataclass(frozen=True)
class FinetuneResult:
    run_id: str
    version: str
    model_uri: str  # models:/<registered model>/<version>
    final_loss: float  # the training loss of the last step
    steps: int
    seconds_per_step: float | None  # of the steps this process ran (None: none were left)
    resumed_from_step: int | None  # the checkpoint this process started from
    validation_loss_before: float | None  # per target token, the base model (step 0)
    validation_loss_after: float | None


def run_counting_steps(
    config: FinetuneConfig, progress: Callable[[int, int], None]
) -> FinetuneResult:
    """``run`` for callers that count (``wc pipeline run finetune``): ``progress(step, steps)``."""
    return run(config, lambda report: progress(report.step, config.steps))


@dataclass(frozen=True)
class _Inputs:
    dataset: DatasetInput
    base: BaseModelInput
    tags: dict[str, str]
    resume_from: Checkpoint | None


def run(config: FinetuneConfig, progress: Progress | None = None) -> FinetuneResult:
    """Train (or resume), publish and register; ``progress`` hears of every step. The run ends
    FINISHED, FAILED or KILLED (Ctrl-C); a process killed outright leaves it RUNNING, and the
    next ``run`` with the same config and work_dir takes it over from the last checkpoint."""
    settings = ServingSettings()
    work_dir = config.resolved_work_dir(settings.data_dir.expanduser().resolve())
    work_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(work_dir):
        client = make_client(config.tracking_uri)
        inputs = _inputs(config, client, work_dir, config.models_dir or settings.models_dir)
        if inputs.resume_from is not None:
            run_id = inputs.resume_from.meta.run_id
            reopen_run(client, run_id, inputs.resume_from.meta.step)
        else:
            run_id = start_run(client, config, inputs.tags)
        status = "FAILED"
        try:
            result = _train_and_publish(config, client, run_id, inputs, work_dir, progress)
            status = "FINISHED"
        except KeyboardInterrupt:
            status = "KILLED"
            raise
        finally:
            client.set_terminated(run_id, status)
        # The result is in MLflow: the checkpoints and the downloaded dataset have done their job.
        checkpoints.clear(checkpoints.checkpoint_root(work_dir))
        shutil.rmtree(work_dir / "dataset", ignore_errors=True)
        return result


@contextmanager
def _exclusive(work_dir: Path) -> Iterator[None]:
    """One process per work_dir: two would write each other's checkpoints. The lock goes with
    the process, so a killed run does not block the run that resumes it."""
    with (work_dir / ".lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another fine-tune is running in {work_dir}") from None
        yield


def _inputs(
    config: FinetuneConfig, client: "MlflowClient", work_dir: Path, models_dir: Path
) -> _Inputs:
    dataset = resolve_dataset(config.dataset, client, work_dir / "dataset")
    resume_from = _resumable(config, work_dir, dataset)
    base = resolve_base_model(config.base_model, models_dir, client, config.tracking_uri)
    tags = lineage_tags(dataset, base, code_version())
    if resume_from is not None:
        tags = _code_at_start(client, resume_from.meta.run_id, tags)
    return _Inputs(dataset, base, tags, resume_from)


def _code_at_start(client: "MlflowClient", run_id: str, tags: dict[str, str]) -> dict[str, str]:
    """A run resumed under other code keeps the version it started with as ``code.version`` and
    records the one it finished with beside it (on the run and, later, the model version)."""
    started_with = client.get_run(run_id).data.tags.get("code.version")
    if not started_with or started_with == tags["code.version"]:
        return tags
    client.set_tag(run_id, "code.version.resumed", tags["code.version"])
    return {**tags, "code.version": started_with, "code.version.resumed": tags["code.version"]}


def _resumable(config: FinetuneConfig, work_dir: Path, dataset: DatasetInput) -> Checkpoint | None:
    found = checkpoints.latest(checkpoints.checkpoint_root(work_dir))
    if found is None:
        return None
    if found.meta.fingerprint != config.fingerprint() or found.meta.dataset_hash != dataset.hash:
        raise ValueError(
            f"{found.folder} is a checkpoint of another training (other settings or dataset): "
            "resume it with its own config, or use another work_dir"
        )
    return found


@dataclass(frozen=True)
class _Training:
    session: TrainingSession
    train: TokenizedRows
    validation: TokenizedRows
    pad_id: int

    def validation_loss(self, config: FinetuneConfig) -> float | None:
        """Per target token on the validation rows; None when there are none to score."""
        if not self.validation.rows:
            return None
        return mean_token_loss(
            self.session.model, self.validation.rows, config.batch_size, self.pad_id, config.device
        )


def _train_and_publish(
    config: FinetuneConfig,
    client: "MlflowClient",
    run_id: str,
    inputs: _Inputs,
    work_dir: Path,
    progress: Progress | None,
) -> FinetuneResult:
    training = _prepare(config, inputs)
    session = training.session
    metrics = MetricBuffer(client, run_id)
    if inputs.resume_from is not None:
        checkpoints.restore(inputs.resume_from, session, config.device)
    else:
        metrics.add(0, _dataset_metrics(training))
        before = training.validation_loss(config)
        if before is not None:
            metrics.add(0, {"validation_loss": before})
        metrics.flush()

    def save_checkpoint() -> None:
        meta = CheckpointMeta(session.step, run_id, config.fingerprint(), inputs.dataset.hash)
        root = checkpoints.checkpoint_root(work_dir)
        checkpoints.save(root, session, meta, config.keep_checkpoints)

    batches = BatchSource(training.train.rows, config.batch_size, config.seed, training.pad_id)
    outcome = TrainingLoop(session, batches, config, metrics, save_checkpoint, progress).run()
    after = training.validation_loss(config)
    _log_summary(metrics, config.steps, outcome, after)
    output = work_dir / "output"
    version = publish(
        client, run_id, session.model, inputs.base.folder, output, config, inputs.tags
    )
    return FinetuneResult(
        run_id=run_id,
        version=version,
        model_uri=version_uri(config.registered_model, version),
        final_loss=_final_loss(client, run_id, outcome),
        steps=config.steps,
        seconds_per_step=outcome.seconds_per_step,
        resumed_from_step=None if inputs.resume_from is None else inputs.resume_from.meta.step,
        validation_loss_before=_logged_at(client, run_id, "validation_loss", 0),
        validation_loss_after=after,
    )


def _prepare(config: FinetuneConfig, inputs: _Inputs) -> _Training:
    """The dataset's rows as tokens of the base model's tokenizer, and a fresh LoRA session."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(inputs.base.folder)
    folder = inputs.dataset.folder
    train = tokenize(tokenizer, read_conversations(folder / "train.jsonl"), config.max_length)
    scored = read_conversations(folder / "validation.jsonl")[: config.validation_rows]
    validation = tokenize(tokenizer, scored, config.max_length)
    model = attach_lora(load_base_model(inputs.base.folder, config), config)
    return _Training(new_session(model, config), train, validation, _pad_id(tokenizer))


def _pad_id(tokenizer: "PreTrainedTokenizerBase") -> int:
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    if not isinstance(pad, int):
        raise ValueError(
            "the base model's tokenizer has neither a pad nor an end-of-sequence token"
        )
    return pad


def _dataset_metrics(training: _Training) -> dict[str, float]:
    model = training.session.model
    rows = training.train.rows
    return {
        "rows.train": len(rows),
        "rows.train_truncated": training.train.truncated,
        "rows.train_dropped": training.train.dropped,
        "rows.validation_scored": len(training.validation.rows),
        "tokens.train_targets": sum(
            sum(label != IGNORE_INDEX for label in row.labels) for row in rows
        ),
        "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
    }


def _log_summary(
    metrics: MetricBuffer, last_step: int, outcome: LoopOutcome, validation_loss: float | None
) -> None:
    if validation_loss is not None:
        metrics.add(last_step, {"validation_loss": validation_loss})
    if outcome.seconds_per_step is not None:
        metrics.add(last_step, {"seconds_per_step": outcome.seconds_per_step})
    metrics.flush()


def _final_loss(client: "MlflowClient", run_id: str, outcome: LoopOutcome) -> float:
    """This process's last loss, or (resumed after the last step) the one logged before."""
    if outcome.last_loss is not None:
        return outcome.last_loss
    history = client.get_metric_history(run_id, "loss")
    return max(history, key=lambda metric: (metric.step, metric.timestamp)).value


def _logged_at(client: "MlflowClient", run_id: str, name: str, step: int) -> float | None:
    values = [
        metric.value for metric in client.get_metric_history(run_id, name) if metric.step == step
    ]
    return values[0] if values else None
