"""Exact and near-duplicate removal over a list of rows, keeping the first of each cluster.

Exact duplicates share their normalised text. Near-duplicates are found with MinHash over word
shingles and banded locality-sensitive hashing: rows that agree on every value of one band are
candidates, and a candidate is a duplicate only when the exact Jaccard similarity of the two
shingle sets reaches the threshold (MinHash only proposes; the decision is exact and
deterministic). A row is compared with the rows kept before it, never with dropped ones.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

MERSENNE_61 = np.uint64((1 << 61) - 1)
MAX_HASH = np.uint64(0xFFFFFFFF)
# Shingles hashed per block: the (permutations x block) matrices stay near 50 MB each at 128.
BLOCK_SHINGLES = 50_000
SEED = 20261202


@dataclass(frozen=True)
class MinHasher:
    """``permutations`` hash functions (a*x + b) mod p, fixed by ``seed``."""

    permutations: int
    seed: int = SEED
    a: NDArray[np.uint64] = field(init=False, repr=False)
    b: NDArray[np.uint64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        # a < 2^31 and x < 2^32 keep a*x + b inside 64 bits.
        object.__setattr__(self, "a", rng.integers(1, 1 << 31, self.permutations, np.uint64))
        object.__setattr__(self, "b", rng.integers(0, 1 << 32, self.permutations, np.uint64))

    def signatures(self, sets: Sequence[NDArray[np.uint32]]) -> NDArray[np.uint64]:
        """One row of ``permutations`` minimums per shingle set (all MAX_HASH for an empty one)."""
        result = np.full((len(sets), self.permutations), MAX_HASH, np.uint64)
        start = 0
        while start < len(sets):
            stop, total = start, 0
            while stop < len(sets) and (total == 0 or total + len(sets[stop]) <= BLOCK_SHINGLES):
                total += len(sets[stop])
                stop += 1
            self._block(sets, start, stop, result)
            start = stop
        return result

    def _block(
        self, sets: Sequence[NDArray[np.uint32]], start: int, stop: int, out: NDArray[np.uint64]
    ) -> None:
        members = [i for i in range(start, stop) if len(sets[i])]
        if not members:
            return
        values = np.concatenate([sets[i] for i in members]).astype(np.uint64)
        offsets = np.cumsum([0] + [len(sets[i]) for i in members[:-1]])
        hashed = (self.a[:, None] * values[None, :] + self.b[:, None]) % MERSENNE_61 & MAX_HASH
        out[members] = np.minimum.reduceat(hashed, offsets, axis=1).T


def jaccard(first: NDArray[np.uint32], second: NDArray[np.uint32]) -> float:
    """Of two sorted, distinct shingle arrays."""
    shared = len(np.intersect1d(first, second, assume_unique=True))
    union = len(first) + len(second) - shared
    return shared / union if union else 1.0


@dataclass
class Deduplicated:
    kept: list[int]
    exact: int
    near: int


def deduplicate(
    keys: Sequence[str],
    sets: Sequence[NDArray[np.uint32]],
    hasher: MinHasher,
    bands: int,
    threshold: float,
) -> Deduplicated:
    """Indexes of the rows to keep, in order: ``keys`` are the normalised texts, ``sets`` their
    shingles."""
    seen: set[str] = set()
    unique: list[int] = []
    for index, key in enumerate(keys):
        if key not in seen:
            seen.add(key)
            unique.append(index)
    signatures = hasher.signatures([sets[i] for i in unique])
    width = hasher.permutations // bands
    buckets: dict[tuple[int, bytes], list[int]] = {}
    kept: list[int] = []
    for position, index in enumerate(unique):
        signature = signatures[position]
        band_keys = [
            (band, signature[band * width : (band + 1) * width].tobytes()) for band in range(bands)
        ]
        candidates = sorted({j for band_key in band_keys for j in buckets.get(band_key, ())})
        if any(jaccard(sets[index], sets[j]) >= threshold for j in candidates):
            continue
        if len(sets[index]):  # an empty text proposes nothing (its signature is all MAX_HASH)
            for band_key in band_keys:
                buckets.setdefault(band_key, []).append(index)
        kept.append(index)
    return Deduplicated(kept, exact=len(keys) - len(unique), near=len(unique) - len(kept))
