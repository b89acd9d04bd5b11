"""The shared embedding model used from several threads at once (the API's retrieval consumer
embeds an imported book while a request counts tokens or embeds a query)."""

import threading
import time

from rag.embeddings import Embedder

# Ragged on purpose: a batch of short and long texts needs padding to become one tensor.
MIXED_BATCH = ["word " * (3 if index % 2 else 120) for index in range(16)]


def test_counting_tokens_beside_a_batch_encode_does_not_break_it() -> None:
    embedder = Embedder(batch_size=16)
    embedder.encode_sync(["warm up"])
    counting = threading.Event()
    errors: list[Exception] = []

    def count_tokens() -> None:
        while not counting.is_set():
            embedder.count_tokens("a short sentence to count")
            time.sleep(0.0005)  # let the encoding thread take the model between counts

    counters = [threading.Thread(target=count_tokens) for _ in range(2)]
    for counter in counters:
        counter.start()
    try:
        for _ in range(20):
            try:
                vectors = embedder.encode_sync(MIXED_BATCH)
                assert vectors.shape == (len(MIXED_BATCH), embedder.dimensions)
            except ValueError as error:  # the ragged batch of a tokenizer left unpadded
                errors.append(error)
    finally:
        counting.set()
        for counter in counters:
            counter.join()
    assert not errors, f"{len(errors)} of 20 batches failed: {errors[0]}"
