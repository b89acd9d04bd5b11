"""Held-out exclusion: a row whose user turn asks an eval question, or nearly, is dropped.

The comparison is exact over shingle sets, not sampled: the overlap of every row with every
held-out question is one sparse matrix product (rows x shingles times shingles x questions),
computed a block of rows at a time. A row matches a question when

- their Jaccard similarity reaches ``jaccard`` (the same question with a word or the punctuation
  changed), or
- the shorter of the two has at least ``MIN_CONTAINED_SHINGLES`` shingles and ``containment`` of
  them appear in the other (a question pasted inside a longer message, or a question given
  without the options a row spells out).

Erring towards dropping is the point: an eval item in the training set makes its score a lie.
"""

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from pipelines.datasets.shingles import normalise, shingles

MIN_CONTAINED_SHINGLES = 5
BLOCK_ROWS = 4096


class HeldOutIndex:
    def __init__(
        self, questions: Sequence[str], width: int, jaccard: float, containment: float
    ) -> None:
        self.width = width
        self.jaccard = jaccard
        self.containment = containment
        sets = [s for s in (shingles(normalise(q), width) for q in questions) if len(s)]
        self.vocabulary = np.unique(np.concatenate(sets)) if sets else np.empty(0, np.uint32)
        self.sizes = np.array([len(s) for s in sets], np.int64)
        self.matrix = self._incidence(sets)

    def __len__(self) -> int:
        return len(self.sizes)

    def matches(self, sets: Sequence[NDArray[np.uint32]]) -> NDArray[np.bool_]:
        """For each row's shingle set, whether it matches a held-out question."""
        found = np.zeros(len(sets), np.bool_)
        if not len(self):
            return found
        for start in range(0, len(sets), BLOCK_ROWS):
            block = sets[start : start + BLOCK_ROWS]
            found[start : start + len(block)] = self._block_matches(block)
        return found

    def _block_matches(self, block: Sequence[NDArray[np.uint32]]) -> NDArray[np.bool_]:
        overlap = (self._incidence(block) @ self.matrix.T).tocoo()
        rows, questions, shared = overlap.row, overlap.col, overlap.data.astype(np.float64)
        row_sizes = np.array([len(s) for s in block], np.int64)[rows]
        question_sizes = self.sizes[questions]
        jaccard = shared / (row_sizes + question_sizes - shared)
        shorter = np.minimum(row_sizes, question_sizes)
        contained = (shorter >= MIN_CONTAINED_SHINGLES) & (shared / shorter >= self.containment)
        hit = (jaccard >= self.jaccard) | contained
        found = np.zeros(len(block), np.bool_)
        found[rows[hit]] = True
        return found

    def _incidence(self, sets: Sequence[NDArray[np.uint32]]) -> sparse.csr_matrix:
        """Sets x vocabulary, 1 where a set holds the shingle (shingles no question has are left
        out: they cannot overlap, and the sizes above count them)."""
        columns, pointers = [], [0]
        for values in sets:
            position = np.searchsorted(self.vocabulary, values)
            inside = position < len(self.vocabulary)
            known = position[inside][self.vocabulary[position[inside]] == values[inside]]
            columns.append(known)
            pointers.append(pointers[-1] + len(known))
        indices = np.concatenate(columns) if columns else np.empty(0, np.int64)
        data = np.ones(len(indices), np.int32)
        shape = (len(sets), len(self.vocabulary))
        return sparse.csr_matrix((data, indices, np.array(pointers)), shape=shape)
