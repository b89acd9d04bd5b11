"""The bundled model before and after a fine-tune, on the suites, in a scratch MLflow store: the
dataset is the books' worked solutions of the training half (every eval question held out), the
fine-tune is the pipeline's, and each suite runs on both models with the same questions."""

import tempfile
from pathlib import Path
from typing import Any

from evals.catalogue import held_out_questions, suite_named
from evals.compare import compare, load_run
from evals.evaluation import evaluate
from evals.heldout import EVAL_BOOKS, default_books_dir
from pipelines.datasets.config import DatasetConfig, Source
from pipelines.datasets.pipeline import run as build_dataset
from pipelines.finetune.config import FinetuneConfig
from pipelines.finetune.pipeline import run as finetune
from serving.settings import ServingSettings


def before_after_rows(steps: int, limit: int, database_url: str | None) -> list[dict[str, Any]]:
    books = default_books_dir()
    names = ["model", *(["tutor", "safety"] if database_url else [])]
    suites = [suite_named(name) for name in names]
    with tempfile.TemporaryDirectory(prefix="bench-before-after-") as folder:
        tracking_uri = f"sqlite:///{folder}/mlflow.db"
        dataset = build_dataset(
            DatasetConfig(
                out_dir=Path(folder) / "dataset",
                tracking_uri=tracking_uri,
                sources=frozenset({Source.OPENSTAX_SOLUTION}),
                openstax_books=tuple(books / book for book in EVAL_BOOKS),
                held_out=held_out_questions(books),
            )
        )
        tuned = finetune(
            FinetuneConfig(
                dataset=f"runs:/{dataset.run_id}/dataset",
                tracking_uri=tracking_uri,
                steps=steps,
                work_dir=Path(folder) / "lora",
                checkpoint_every=steps,
            )
        )
        serving = ServingSettings(mlflow_tracking_uri=tracking_uri)
        runs = {
            label: evaluate(
                suites,
                model_uri=source,
                endpoint=None,
                books_dir=books,
                limit=limit,
                serving=serving,
                database_url=database_url,
            )
            for label, source in (("before", "bundled"), ("after", tuned.model_uri))
        }
        return _rows(tracking_uri, runs)


def _rows(tracking_uri: str, runs: dict[str, list[Any]]) -> list[dict[str, Any]]:
    rows = []
    for before, after in zip(runs["before"], runs["after"], strict=True):
        logged = load_run(tracking_uri, before.run_id), load_run(tracking_uri, after.run_id)
        for delta in compare(*logged):
            a, b = before.estimates.get(delta.metric.name), after.estimates.get(delta.metric.name)
            d = delta.difference
            rows.append(
                {
                    "suite.metric": f"{before.suite}.{delta.metric.name}",
                    "better": delta.metric.better,
                    "before": str(a) if a else "-",
                    "after": str(b) if b else "-",
                    "after - before": f"{d.mean:+.3f} [{d.low:+.3f}, {d.high:+.3f}]" if d else "-",
                    "verdict": delta.verdict,
                }
            )
    return rows
