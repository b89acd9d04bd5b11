"""The training state and one step of it: the base model with peft's LoRA adapters, AdamW on the
adapters only, a linear warm-up/decay schedule, and a plain torch step (no HF Trainer: the step is
what the bench compares with a bare peft loop, so it does nothing a bare loop would not).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.finetune.config import FinetuneConfig
from pipelines.finetune.data import Batch, TokenizedRow, collate

if TYPE_CHECKING:
    import torch
    from peft import PeftModel
    from torch.optim.lr_scheduler import LambdaLR
    from transformers import PreTrainedModel


@dataclass
class TrainingSession:
    """What a step changes and a checkpoint keeps (with the RNG states)."""

    model: "PeftModel"
    optimizer: "torch.optim.Optimizer"
    scheduler: "LambdaLR"
    step: int = 0  # steps done


def load_base_model(folder: Path, config: FinetuneConfig) -> "PreTrainedModel":
    import torch
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(
        folder, dtype=getattr(torch, config.dtype), device_map=config.device
    )


def attach_lora(model: "PreTrainedModel", config: FinetuneConfig) -> "PeftModel":
    """The adapters, initialised from the seed (LoRA's A matrices are random, B zero: the model
    starts as the base model exactly)."""
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(config.seed)
    lora = LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.target_modules),
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, lora)


def linear_warmup_decay(warmup_steps: int, total_steps: int) -> Callable[[int], float]:
    """The learning-rate factor for the step after ``done`` steps: rises linearly to 1 over the
    warm-up (the first step already learns), then falls linearly, the last step still above 0."""

    def factor(done: int) -> float:
        if done < warmup_steps:
            return (done + 1) / (warmup_steps + 1)
        return max(0.0, (total_steps - done) / (total_steps - warmup_steps))

    return factor


def new_session(model: "PeftModel", config: FinetuneConfig) -> TrainingSession:
    import torch
    from torch.optim.lr_scheduler import LambdaLR

    trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
    # The fused kernel updates every adapter tensor in one call: measured here on 2 cores, the
    # default per-tensor loop took 70-160 ms a step for r=8 on q/v (120 small tensors), the fused
    # one 10 ms (bench/_ml_finetune.py compares the loop with a bare one using the default).
    optimizer = torch.optim.AdamW(
        trainable,
        lr=config.learning_rate,
        weight_decay=config.weight_decay,
        fused=torch.device(config.device).type in ("cpu", "cuda"),
    )
    scheduler = LambdaLR(optimizer, linear_warmup_decay(config.warmup_steps, config.steps))
    model.train()
    return TrainingSession(model, optimizer, scheduler)


def train_step(
    session: TrainingSession, batch: Batch, max_grad_norm: float | None
) -> tuple[float, float]:
    """One optimizer step on ``batch`` (already on the device); the loss and learning rate."""
    import torch

    outputs = session.model(
        input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels
    )
    outputs.loss.backward()
    if max_grad_norm is not None:
        torch.nn.utils.clip_grad_norm_(_trainable(session), max_grad_norm)
    learning_rate = float(session.optimizer.param_groups[0]["lr"])
    session.optimizer.step()
    session.scheduler.step()
    session.optimizer.zero_grad(set_to_none=True)
    session.step += 1
    return float(outputs.loss.item()), learning_rate


def _trainable(session: TrainingSession) -> list["torch.nn.Parameter"]:
    return [
        parameter
        for group in session.optimizer.param_groups
        for parameter in group["params"]
        if parameter.requires_grad
    ]


def mean_token_loss(
    model: "torch.nn.Module",
    rows: Sequence[TokenizedRow],
    batch_size: int,
    pad_token_id: int,
    device: str,
) -> float:
    """Cross-entropy per target token over ``rows`` (dropout off): each batch's mean is weighted
    by its target tokens, so the figure does not depend on how rows are batched."""
    import torch

    was_training = model.training
    model.eval()
    total = 0.0
    tokens = 0
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            batch = collate(rows[start : start + batch_size], pad_token_id).to(device)
            loss = model(
                input_ids=batch.input_ids,
                attention_mask=batch.attention_mask,
                labels=batch.labels,
            ).loss
            total += float(loss) * batch.target_tokens
            tokens += batch.target_tokens
    model.train(was_training)
    if tokens == 0:
        raise ValueError("no target tokens to score")
    return total / tokens
