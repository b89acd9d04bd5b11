"""From every source's rows to the two splits: scrub, hold out, deduplicate, split.

The order is fixed and documented, since a row dropped for one reason is not counted under a
later one: ``empty``/``pii_only`` (scrubbing) → ``held_out`` → ``duplicate`` →
``near_duplicate``. Rows are first sorted by (source, id), so the copy of a duplicate that is
kept does not depend on the order the stores returned them in.
"""

import itertools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pipelines.datasets.config import DatasetConfig, Source
from pipelines.datasets.dedup import MinHasher, deduplicate
from pipelines.datasets.held_out import HeldOutIndex
from pipelines.datasets.rows import DatasetRow
from pipelines.datasets.scrubbing import scrubbed
from pipelines.datasets.shingles import normalise, shingles
from pipelines.datasets.split import VALIDATION, split_of

SOURCE_ORDER = {source: position for position, source in enumerate(Source)}
Progress = Callable[[str], None]


@dataclass
class Splits:
    train: list[DatasetRow] = field(default_factory=list)
    validation: list[DatasetRow] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)

    def sources(self) -> dict[str, int]:
        counts = Counter(row.source.value for row in [*self.train, *self.validation])
        return {source.value: counts.get(source.value, 0) for source in Source}


def assemble(
    rows: Iterable[DatasetRow], config: DatasetConfig, progress: Progress = lambda _: None
) -> Splits:
    splits = Splits()
    ordered = sorted(rows, key=lambda row: (SOURCE_ORDER[row.source], row.id))
    _refuse_repeated_ids(ordered)
    progress("scrubbing personal data")
    clean = _scrub(ordered, splits.dropped)
    progress(f"holding out {len(config.held_out)} eval questions")
    candidates = _hold_out(clean, config, splits.dropped)
    progress("removing duplicates")
    for row in _deduplicate(candidates, config, splits.dropped):
        side = split_of(row.group, config.validation_fraction, config.split_salt)
        (splits.validation if side == VALIDATION else splits.train).append(row)
    return splits


def _scrub(rows: list[DatasetRow], dropped: Counter[str]) -> list[DatasetRow]:
    clean = []
    for row in rows:
        result = scrubbed(row)
        if isinstance(result, str):
            dropped[result] += 1
        else:
            clean.append(result)
    return clean


def _hold_out(
    rows: list[DatasetRow], config: DatasetConfig, dropped: Counter[str]
) -> list[DatasetRow]:
    index = HeldOutIndex(
        config.held_out, config.shingle_words, config.held_out_jaccard, config.held_out_containment
    )
    asked = [shingles(normalise(row.user_text), config.shingle_words) for row in rows]
    held = index.matches(asked)
    dropped["held_out"] += int(held.sum())
    return [row for row, drop in zip(rows, held, strict=True) if not drop]


def _deduplicate(
    rows: list[DatasetRow], config: DatasetConfig, dropped: Counter[str]
) -> list[DatasetRow]:
    """On the whole example (question and answer): one question answered two ways is two
    examples, the same exchange twice is one."""
    keys = [normalise(f"{row.user_text}\n{row.target}") for row in rows]
    deduplicated = deduplicate(
        keys,
        [shingles(key, config.shingle_words) for key in keys],
        MinHasher(config.minhash_permutations),
        config.minhash_bands,
        config.near_duplicate_jaccard,
    )
    dropped["duplicate"] += deduplicated.exact
    dropped["near_duplicate"] += deduplicated.near
    return [rows[index] for index in deduplicated.kept]


def _refuse_repeated_ids(rows: list[DatasetRow]) -> None:
    for before, after in itertools.pairwise(rows):
        if (before.source, before.id) == (after.source, after.id):
            raise ValueError(f"two {before.source.value} rows have the id {before.id}")
