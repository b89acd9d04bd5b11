"""The texts the bundled encoder is asked to embed, call by call, in this process."""

from collections.abc import Sequence

import numpy as np
import pytest

from rag.embeddings import Embedder


def record_encodes(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """From now until the test ends, each ``Embedder.encode_sync`` call's texts, in order."""
    calls: list[list[str]] = []
    encode = Embedder.encode_sync

    def recorded(self: Embedder, texts: Sequence[str]) -> np.ndarray:
        calls.append(list(texts))
        return encode(self, texts)

    monkeypatch.setattr(Embedder, "encode_sync", recorded)
    return calls
