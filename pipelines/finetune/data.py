"""Chat rows → training tokens: each row rendered with the tokenizer's chat template, the loss on
the assistant's last message only, rows cut to the maximum length, and batches in an order fixed
by the seed. The order is a pure function of the step, so a resumed run takes exactly the batches
the killed one would have taken, without any loader state in the checkpoint.
"""

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedTokenizerBase

IGNORE_INDEX = -100  # the label the loss skips (transformers' and torch's convention)

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class TokenizedRow:
    input_ids: list[int]
    labels: list[int]


@dataclass(frozen=True)
class TokenizedRows:
    rows: list[TokenizedRow]
    truncated: int  # rows cut at the maximum length (they keep the first target tokens)
    dropped: int  # rows whose target began after the maximum length: nothing to learn from


@dataclass(frozen=True)
class Batch:
    input_ids: "torch.Tensor"
    attention_mask: "torch.Tensor"
    labels: "torch.Tensor"

    def to(self, device: str) -> "Batch":
        return Batch(
            self.input_ids.to(device),
            self.attention_mask.to(device),
            self.labels.to(device),
        )

    @property
    def target_tokens(self) -> int:
        """Tokens the loss is taken on (labels are shifted by one inside the model)."""
        return int((self.labels[:, 1:] != IGNORE_INDEX).sum())


def read_conversations(path: Path) -> list[Messages]:
    """The ``messages`` of each row of a dataset's JSONL file, checked against the contract."""
    conversations = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                conversations.append(_messages(json.loads(line), f"{path}:{number}"))
    return conversations


def _messages(row: dict[str, Any], where: str) -> Messages:
    messages = row.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ValueError(f"{where}: a row needs a non-empty 'messages' list")
    for message in messages:
        if not (
            isinstance(message, dict)
            and message.get("role") in ("system", "user", "assistant")
            and isinstance(message.get("content"), str)
        ):
            raise ValueError(f"{where}: each message needs a role and a string content")
    if messages[-1]["role"] != "assistant":
        raise ValueError(f"{where}: the last message must be the assistant's (the target)")
    return [{"role": message["role"], "content": message["content"]} for message in messages]


def tokenize_conversation(
    tokenizer: "PreTrainedTokenizerBase", messages: Messages, max_length: int
) -> tuple[TokenizedRow | None, bool]:
    """Tokens of the whole conversation, labels only on the assistant's last message; None when
    the cut leaves none of it. The second value says whether the row was cut.

    The target is located by character offset in the rendered text rather than by tokenizing the
    prompt alone: a token may straddle the boundary, and its ids would then differ."""
    prompt = _render(tokenizer, messages[:-1], add_generation_prompt=True)
    full = _render(tokenizer, messages, add_generation_prompt=False)
    if not full.startswith(prompt):
        raise ValueError(
            "the chat template renders the conversation's start differently once the "
            "assistant's message follows, so the target cannot be located"
        )
    encoded = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
    ids: list[int] = encoded["input_ids"]
    offsets: list[tuple[int, int]] = encoded["offset_mapping"]
    labels = [
        token if start >= len(prompt) else IGNORE_INDEX
        for token, (start, _) in zip(ids, offsets, strict=True)
    ]
    truncated = len(ids) > max_length
    ids, labels = ids[:max_length], labels[:max_length]
    if all(label == IGNORE_INDEX for label in labels[1:]):
        return None, truncated
    return TokenizedRow(ids, labels), truncated


def _render(
    tokenizer: "PreTrainedTokenizerBase", messages: Messages, add_generation_prompt: bool
) -> str:
    text = tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=add_generation_prompt
    )
    if not isinstance(text, str):
        raise TypeError(f"apply_chat_template returned {type(text).__name__}, not text")
    return text


def tokenize_conversations(
    tokenizer: "PreTrainedTokenizerBase", conversations: Sequence[Messages], max_length: int
) -> TokenizedRows:
    if not tokenizer.is_fast:
        raise ValueError("the base model's tokenizer has no fast version (offsets are needed)")
    rows: list[TokenizedRow] = []
    truncated = dropped = 0
    for messages in conversations:
        row, cut = tokenize_conversation(tokenizer, messages, max_length)
        truncated += cut
        if row is None:
            dropped += 1
        else:
            rows.append(row)
    return TokenizedRows(rows, truncated, dropped)


def collate(rows: Sequence[TokenizedRow], pad_token_id: int) -> Batch:
    """Right-padded to the longest row of the batch; padding is masked and carries no loss."""
    import torch

    width = max(len(row.input_ids) for row in rows)
    input_ids = torch.full((len(rows), width), pad_token_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
    attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
    for index, row in enumerate(rows):
        length = len(row.input_ids)
        input_ids[index, :length] = torch.tensor(row.input_ids)
        labels[index, :length] = torch.tensor(row.labels)
        attention_mask[index, :length] = 1
    return Batch(input_ids, attention_mask, labels)


class BatchOrder:
    """Which rows step ``n`` trains on: the rows are shuffled once per epoch by ``(seed, epoch)``
    and read as one stream, so batches run across epoch ends and every step is full."""

    def __init__(self, row_count: int, batch_size: int, seed: int) -> None:
        if row_count == 0:
            raise ValueError("the dataset has no trainable rows")
        self.row_count = row_count
        self.batch_size = batch_size
        self.seed = seed
        self._permutations: dict[int, list[int]] = {}  # a batch reads at most two epochs

    def indices(self, step: int) -> list[int]:
        """Row indices of ``step`` (1-based, as MLflow's steps are logged)."""
        start = (step - 1) * self.batch_size
        return [self._row(position) for position in range(start, start + self.batch_size)]

    def _row(self, position: int) -> int:
        epoch, offset = divmod(position, self.row_count)
        return self._permutation(epoch)[offset]

    def _permutation(self, epoch: int) -> list[int]:
        if epoch not in self._permutations:
            order = list(range(self.row_count))
            # A string seed is hashed with SHA-512 by `random`: the same order in every process.
            random.Random(f"{self.seed}/{epoch}").shuffle(order)
            self._permutations = {
                kept: rows for kept, rows in self._permutations.items() if kept == epoch - 1
            }
            self._permutations[epoch] = order
        return self._permutations[epoch]


class BatchSource:
    """The tokenized training rows and their order: ``batch(step)`` is what step ``n`` trains on."""

    def __init__(self, rows: Sequence[TokenizedRow], batch_size: int, seed: int, pad_id: int):
        self.rows = rows
        self.order = BatchOrder(len(rows), batch_size, seed)
        self.pad_id = pad_id

    def batch(self, step: int) -> Batch:
        return collate([self.rows[index] for index in self.order.indices(step)], self.pad_id)
