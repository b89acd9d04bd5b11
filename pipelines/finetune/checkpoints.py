"""Checkpoints of a fine-tune, so that a killed run resumes: every ``checkpoint_every`` steps the
adapter weights, the optimizer and scheduler states, the step, the RNG states and the MLflow run
id are written to a temporary folder that is then renamed into place. A rename is atomic, so a
process killed while writing leaves either the previous checkpoints or the new one, never half of
one (this protects against a killed process, not a power cut: nothing is fsynced).

Layout: ``<work_dir>/checkpoints/step-00000020/{adapter/, state.pt, meta.json}``.
"""

import json
import os
import random
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

from pipelines.finetune.train import TrainingSession

_PREFIX = "step-"
_TEMPORARY = ".partial-"
ADAPTER = "adapter"
_STATE = "state.pt"
_META = "meta.json"


@dataclass(frozen=True)
class CheckpointMeta:
    step: int
    run_id: str
    fingerprint: str  # FinetuneConfig.fingerprint(): resume only the same training
    dataset_hash: str


@dataclass(frozen=True)
class Checkpoint:
    folder: Path
    meta: CheckpointMeta


def checkpoint_root(work_dir: Path) -> Path:
    return work_dir / "checkpoints"


def latest(root: Path) -> Checkpoint | None:
    """The newest complete checkpoint; folders a killed writer left half-written are removed."""
    if not root.is_dir():
        return None
    for partial in root.glob(f"{_TEMPORARY}*"):
        shutil.rmtree(partial, ignore_errors=True)
    folders = sorted(root.glob(f"{_PREFIX}*"))
    if not folders:
        return None
    meta = CheckpointMeta(**json.loads((folders[-1] / _META).read_text()))
    return Checkpoint(folders[-1], meta)


def save(root: Path, session: TrainingSession, meta: CheckpointMeta, keep: int) -> Checkpoint:
    import torch

    final = root / f"{_PREFIX}{meta.step:08d}"
    if final.is_dir():  # written before a kill that came before the next step: the same state
        return Checkpoint(final, meta)
    temporary = root / f"{_TEMPORARY}{meta.step:08d}-{os.getpid()}"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    session.model.save_pretrained(str(temporary / ADAPTER))
    torch.save(_training_state(session), temporary / _STATE)
    (temporary / _META).write_text(json.dumps(asdict(meta)))
    temporary.rename(final)
    _prune(root, keep)
    return Checkpoint(final, meta)


def _training_state(session: TrainingSession) -> dict[str, Any]:
    import torch

    return {
        "step": session.step,
        "optimizer": session.optimizer.state_dict(),
        "scheduler": session.scheduler.state_dict(),
        "rng": {
            "python": random.getstate(),
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else [],
        },
    }


def restore(checkpoint: Checkpoint, session: TrainingSession, device: str) -> None:
    """Put a fresh session (same config) into the checkpoint's state, RNGs included, so that the
    steps after it draw the same dropout masks the killed run would have."""
    import torch
    from peft.utils import set_peft_model_state_dict
    from safetensors.torch import load_file

    weights = load_file(checkpoint.folder / ADAPTER / "adapter_model.safetensors", device=device)
    # peft types its result as a bare namedtuple: torch's (missing_keys, unexpected_keys).
    outcome = cast(Any, set_peft_model_state_dict(session.model, weights))
    if outcome.unexpected_keys:
        raise ValueError(f"{checkpoint.folder}: adapter keys unknown to this model")
    # On the CPU: RNG states must be CPU tensors; the optimizer moves its state to its params.
    state = torch.load(checkpoint.folder / _STATE, map_location="cpu", weights_only=True)
    session.optimizer.load_state_dict(state["optimizer"])
    session.scheduler.load_state_dict(state["scheduler"])
    session.step = int(state["step"])
    random.setstate(_python_rng(state["rng"]["python"]))
    torch.set_rng_state(state["rng"]["torch"])
    if state["rng"]["cuda"]:
        torch.cuda.set_rng_state_all(state["rng"]["cuda"])


def _python_rng(saved: Any) -> tuple[Any, ...]:
    """``random.getstate()`` comes back from torch.load with lists where tuples were."""
    version, internal, gauss = saved
    return (version, tuple(internal), gauss)


def _prune(root: Path, keep: int) -> None:
    for old in sorted(root.glob(f"{_PREFIX}*"))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def clear(root: Path) -> None:
    """After the result is registered, the checkpoints have done their job."""
    shutil.rmtree(root, ignore_errors=True)
