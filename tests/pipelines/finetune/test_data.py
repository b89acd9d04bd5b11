"""Chat rows → training tokens with the bundled model's tokenizer: the loss is taken on the
assistant's last message only, long rows are cut, the batch order is fixed by the seed, and a
dataset folder whose files no longer match its manifest is refused."""

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.finetune.data import (
    IGNORE_INDEX,
    BatchOrder,
    read_conversations,
    tokenize_conversation,
    tokenize_conversations,
)
from pipelines.finetune.lineage import read_dataset_folder
from tests.fixtures.llm import prepared_bundled_model
from tests.pipelines.finetune.sft_rows import conversation, rows, write_dataset

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


@pytest.fixture(scope="module")
def tokenizer() -> "PreTrainedTokenizerBase":
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(prepared_bundled_model())


def _labelled_text(tokenizer: "PreTrainedTokenizerBase", labels: list[int]) -> str:
    return str(tokenizer.decode([token for token in labels if token != IGNORE_INDEX]))


def test_only_the_last_assistant_message_is_learned(tokenizer: "PreTrainedTokenizerBase") -> None:
    messages = [
        {"role": "user", "content": "Is 7 prime?"},
        {"role": "assistant", "content": "EARLIER ANSWER: which numbers divide 7?"},
        {"role": "user", "content": "Only 1 and 7."},
        {"role": "assistant", "content": "So what does that tell you about 7?"},
    ]
    row, truncated = tokenize_conversation(tokenizer, messages, max_length=512)
    assert row is not None and not truncated
    learned = _labelled_text(tokenizer, row.labels)
    assert learned.startswith("So what does that tell you about 7?")
    # The end-of-turn token is learned too (the model must learn to stop), nothing of the prompt.
    assert learned.removeprefix("So what does that tell you about 7?").strip() == "<|im_end|>"
    whole = tokenizer.decode(row.input_ids)
    assert "EARLIER ANSWER" in whole and "Only 1 and 7." in whole
    assert len(row.input_ids) == len(row.labels)


def test_long_rows_are_cut_and_rows_without_a_target_left_are_dropped(
    tokenizer: "PreTrainedTokenizerBase",
) -> None:
    long_answer = conversation("Explain variance.", "Coach says: " + "spread " * 200)
    long_question = conversation("Tell me " + "why " * 300, "Coach says: think first.")
    tokenized = tokenize_conversations(tokenizer, [long_answer, long_question], max_length=64)
    assert tokenized.truncated == 2 and tokenized.dropped == 1
    [kept] = tokenized.rows
    assert len(kept.input_ids) == 64
    assert _labelled_text(tokenizer, kept.labels).startswith("Coach says: spread spread")


def test_the_batch_order_is_a_function_of_seed_and_step() -> None:
    order = BatchOrder(row_count=5, batch_size=2, seed=3)
    again = BatchOrder(row_count=5, batch_size=2, seed=3)
    steps = [order.indices(step) for step in range(1, 6)]  # 10 positions: two epochs
    assert steps == [again.indices(step) for step in range(1, 6)]
    stream = [index for batch in steps for index in batch]
    assert sorted(stream[:5]) == sorted(stream[5:]) == [0, 1, 2, 3, 4]
    assert stream[:5] != stream[5:]  # each epoch shuffled anew
    other_seed = BatchOrder(row_count=5, batch_size=2, seed=4)
    assert [other_seed.indices(step) for step in range(1, 6)] != steps


def test_rows_are_checked_against_the_contract(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    bad = {"messages": [{"role": "user", "content": "No answer?"}], "id": "x"}
    path.write_text(json.dumps(rows()[0]) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(ValueError, match=r"train.jsonl:2: the last message must be the assistant"):
        read_conversations(path)


def test_a_dataset_changed_after_its_build_is_refused(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "data", rows(), rows()[:2])
    manifest, digest = read_dataset_folder(folder, "data")
    assert digest == manifest["hash"]
    with (folder / "validation.jsonl").open("a") as validation:
        validation.write(json.dumps(rows()[3]) + "\n")
    with pytest.raises(ValueError, match="changed after the build"):
        read_dataset_folder(folder, "data")


def test_a_checkpoint_resumes_only_the_same_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fingerprint a checkpoint carries names what is trained, not where it is reported."""
    from pipelines.finetune.config import FinetuneConfig

    monkeypatch.chdir(tmp_path)
    config = FinetuneConfig(dataset="data", tracking_uri="sqlite:///a.db")
    assert config.dataset == str(tmp_path / "data")  # the same folder from any directory
    same = config.model_copy(
        update={"tracking_uri": "sqlite:///b.db", "checkpoint_every": 3, "log_every": 1}
    )
    assert same.fingerprint() == config.fingerprint()
    for change in ({"learning_rate": 1e-3}, {"seed": 1}, {"dtype": "bfloat16"}, {"lora_r": 4}):
        assert config.model_copy(update=change).fingerprint() != config.fingerprint(), change
    with pytest.raises(ValueError, match="warmup_steps"):
        FinetuneConfig(dataset="data", tracking_uri="x", steps=5, warmup_steps=5)
