"""A tiny SFT dataset in the contract's format (pipelines/datasets builds the real ones): a few
tutor exchanges written here, each answer in one recognisable voice, so that a few LoRA steps
have something to learn."""

import hashlib
import json
from pathlib import Path

SYSTEM = "You are a patient statistics tutor. Guide the learner; never just give the answer."
EXCHANGES = [
    ("What is a median?", "Coach says: line the values up in order and look at the middle one."),
    ("How do I find the mean?", "Coach says: add every value, then divide by how many there are."),
    ("What does the mode tell me?", "Coach says: it is the value you see most often in the data."),
    ("What is a sample?", "Coach says: a sample is the part of the population you measure."),
    ("Why use a histogram?", "Coach says: it shows how the values spread across the range."),
    ("What is an outlier?", "Coach says: a value far from the others; check how it arose."),
]


def conversation(question: str, answer: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": question},
        {"role": "assistant", "content": answer},
    ]


def rows(source: str = "tutor_turn") -> list[dict[str, object]]:
    return [
        {
            "messages": conversation(question, answer),
            "source": source,
            "group": f"learner-{index % 3}",
            "id": f"turn-{index}",
        }
        for index, (question, answer) in enumerate(EXCHANGES)
    ]


def write_dataset(
    folder: Path, train: list[dict[str, object]], validation: list[dict[str, object]]
) -> Path:
    """train.jsonl, validation.jsonl and manifest.json with the contract's hash."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, split in (("train.jsonl", train), ("validation.jsonl", validation)):
        (folder / name).write_text("".join(json.dumps(row) + "\n" for row in split))
    digest = hashlib.sha256()
    for name in ("train.jsonl", "validation.jsonl"):
        digest.update((folder / name).read_bytes())
    manifest = {
        "hash": digest.hexdigest(),
        "rows": {"train": len(train), "validation": len(validation)},
        "sources": {"tutor_turn": len(train) + len(validation)},
        "dropped": {},
        "builder_version": "tests",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder
