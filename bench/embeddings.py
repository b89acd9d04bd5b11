"""Embedding throughput by precision: the encoder in float32 and in bfloat16, bare and through
``rag.embeddings.Embedder``, on passages of the OpenStax statistics book, and whether bfloat16
finds the same passages for the book's own exercises as float32 does.

    .venv/bin/python bench/embeddings.py [--passages 1500] [--queries 200]

Each model is loaded and warmed up before its clock starts; every path encodes the same texts
with the same batch size. "same top-1" is the share of exercise prompts whose nearest passage is
the same under both precisions; "top-5 overlap" the mean share of their five nearest in common.
"""

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from _ingestion import bare_model
from rich.console import Console
from rich.table import Table

from core.hardware import native_bfloat16
from core.openstax.parser import parse_collection_dir
from rag.chunking import split_blocks
from rag.embeddings import Embedder
from rag.settings import RagSettings

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT.parent / "shared" / "data" / "openstax" / "introductory-statistics-bundle"
COLLECTION = Path("collections/introductory-statistics-2e.collection.xml")
MIN_PASSAGE_CHARS = 200
BATCH = 64


def book_texts(passages: int, queries: int) -> tuple[list[str], list[str]]:
    """Paragraph-sized blocks of the book's modules, and its exercises' prompts, evenly spread."""
    (collection,) = parse_collection_dir(BOOK, COLLECTION)
    modules = [module for chapter in collection.chapters for module in chapter.modules]
    blocks = [
        block
        for module in modules
        for block in split_blocks(module.body_markdown)
        if len(block) >= MIN_PASSAGE_CHARS
    ]
    prompts = [exercise.prompt for module in modules for exercise in module.exercises]
    return spread(blocks, passages), spread(prompts, queries)


def spread(items: Sequence[str], count: int) -> list[str]:
    step = max(1, len(items) // count)
    return list(items[::step][:count])


def timed(encode: Callable[[list[str]], np.ndarray], texts: list[str]) -> tuple[np.ndarray, float]:
    encode(texts[:BATCH])  # warm-up
    started = time.perf_counter()
    vectors = encode(texts)
    return vectors, time.perf_counter() - started


def bare_encoder(precision: str) -> Callable[[list[str]], np.ndarray]:
    """sentence-transformers itself, normalising as it does (loaded outside the clock)."""
    model = bare_model(RagSettings().embedding_model, precision)

    def encode(texts: list[str]) -> np.ndarray:
        vectors = model.encode(texts, batch_size=BATCH, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)

    return encode


def nearest(queries: np.ndarray, passages: np.ndarray, k: int = 5) -> np.ndarray:
    return np.argsort(-(queries @ passages.T), axis=1)[:, :k]


def agreement(reference: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    same_top1 = float(np.mean(reference[:, 0] == other[:, 0]))
    overlap = float(
        np.mean([len(set(a) & set(b)) / len(a) for a, b in zip(reference, other, strict=True)])
    )
    return same_top1, overlap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=1500)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    passages, queries = book_texts(args.passages, args.queries)
    embedder = Embedder(batch_size=BATCH)
    paths: dict[str, Callable[[list[str]], np.ndarray]] = {
        "bare sentence-transformers, float32": bare_encoder("float32"),
        "bare sentence-transformers, bfloat16": bare_encoder("bfloat16"),
        f"rag Embedder (auto: {embedder.precision})": embedder.encode_sync,
    }
    table = Table(title=f"{len(passages)} passages, {len(queries)} exercise prompts, batch {BATCH}")
    for column in ("path", "passages/s", "× float32", "same top-1", "top-5 overlap"):
        table.add_column(column, justify="left" if column == "path" else "right")
    reference: np.ndarray | None = None
    baseline = 0.0
    for name, encode in paths.items():
        vectors, seconds = timed(encode, passages)
        found = nearest(encode(queries), vectors)
        rate = len(passages) / seconds
        if reference is None:
            reference, baseline = found, rate
        same_top1, overlap = agreement(reference, found)
        table.add_row(
            name, f"{rate:.1f}", f"{rate / baseline:.2f}", f"{same_top1:.1%}", f"{overlap:.1%}"
        )
    Console(width=110).print(table)
    print(f"native bfloat16 on this CPU: {native_bfloat16()}")


if __name__ == "__main__":
    main()
