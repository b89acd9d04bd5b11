"""The shared embedding model: used from several threads at once (the API's retrieval consumer
embeds an imported book while a request counts tokens or embeds a query), and in either
precision."""

import threading
import time

import numpy as np

from core.hardware import native_bfloat16
from rag.embeddings import Embedder
from rag.settings import RagSettings

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


PASSAGES = [
    "The median is the middle value of an ordered data set.",
    "A histogram groups values into classes to show the shape of a distribution.",
    "Osteoblasts are the cells that build new bone tissue.",
    "A for loop repeats a block of code once for each item of a sequence.",
]
QUESTIONS = [
    "Which value lies in the middle of sorted data?",
    "What chart shows how data are distributed across classes?",
    "Which cells make bone?",
    "How do I repeat code for every element of a list?",
]


def test_auto_precision_is_bfloat16_only_where_the_cpu_computes_it() -> None:
    embedder = Embedder.from_settings(RagSettings())
    assert embedder.precision == ("bfloat16" if native_bfloat16() else "float32")
    assert Embedder(precision="float32").precision == "float32"


def test_both_precisions_give_unit_vectors_that_find_the_same_passages() -> None:
    for precision in ("float32", "bfloat16"):
        embedder = Embedder(precision=precision)
        passages, questions = embedder.encode_sync(PASSAGES), embedder.encode_sync(QUESTIONS)
        assert passages.dtype == np.float32
        assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
        nearest = (questions @ passages.T).argmax(axis=1)
        assert list(nearest) == [0, 1, 2, 3], precision
    same_text = Embedder(precision="bfloat16").encode_sync(PASSAGES[:1])[0]
    assert float(same_text @ Embedder(precision="float32").encode_sync(PASSAGES[:1])[0]) > 0.99
