"""Each learner's order of items and options, shuffled reproducibly from the exam's seed.

``random.Random`` seeded with a string hashes it with SHA-512 (seed version 2), so the same
(seed, learner) gives the same order in every process and Python version that keeps that
algorithm, and another learner gets another order. Homework keeps the authored order.
"""

import random
import uuid
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlannedItem:
    item_id: uuid.UUID
    item_version: int
    points: float
    option_keys: tuple[str, ...]


def learner_layout(
    items: list[PlannedItem], seed: int, learner_id: uuid.UUID, *, shuffle: bool
) -> list[dict[str, Any]]:
    """The sitting's ``layout``: [{item_id, item_version, points, option_order}] in order."""
    ordered, option_orders = list(items), [list(item.option_keys) for item in items]
    if shuffle:
        rng = random.Random(f"{seed}:{learner_id}")
        order = list(range(len(items)))
        rng.shuffle(order)
        ordered = [items[i] for i in order]
        option_orders = [list(item.option_keys) for item in ordered]
        for keys in option_orders:
            rng.shuffle(keys)
    return [
        {
            "item_id": str(item.item_id),
            "item_version": item.item_version,
            "points": item.points,
            "option_order": keys,
        }
        for item, keys in zip(ordered, option_orders, strict=True)
    ]
