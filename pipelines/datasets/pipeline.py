"""``run(config)``: one MLflow run that collects the sources, assembles the splits, writes the
dataset folder and logs it (artifacts ``dataset/``, tag ``dataset.hash``, row and drop counts).

The stores are opened here and closed before writing: the ClickHouse read and the PostgreSQL
reads run in one event loop of their own (``asyncio.run``), so call ``run`` from synchronous
code or a worker thread, not from inside a running loop.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.infra.analytics import AnalyticsStore
from core.infra.database import Database
from pipelines.datasets import tracking
from pipelines.datasets.approved_items import (
    collect_approved_items,
    flagged_turns,
    stored_exercises,
)
from pipelines.datasets.assemble import assemble
from pipelines.datasets.collected import Collected
from pipelines.datasets.config import DatasetConfig, Source
from pipelines.datasets.leaks import ExerciseLeaks
from pipelines.datasets.openstax import collect_openstax_solutions
from pipelines.datasets.tutor_turns import TurnFilter, collect_tutor_turns
from pipelines.datasets.writer import write_dataset

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DatasetResult:
    run_id: str
    hash: str
    rows: dict[str, int]  # {"train": n, "validation": m}
    folder: Path
    dropped: dict[str, int]
    sources: dict[str, int]


def run(config: DatasetConfig, progress: Progress = lambda _: None) -> DatasetResult:
    mlflow = tracking.client(config.tracking_uri)
    run_id = tracking.start_run(mlflow, config.experiment)
    status = "FAILED"
    try:
        collected = asyncio.run(collect(config, progress))
        splits = assemble(collected.rows, config, progress)
        splits.dropped.update(collected.dropped)
        progress("writing the dataset")
        written = write_dataset(splits, config, collected.checks)
        progress("logging to MLflow")
        tracking.log_dataset(mlflow, run_id, written)
        status = "FINISHED"
    finally:
        mlflow.set_terminated(run_id, status)
    return DatasetResult(
        run_id=run_id,
        hash=written.hash,
        rows=dict(written.manifest["rows"]),
        folder=written.folder,
        dropped=dict(written.manifest["dropped"]),
        sources=dict(written.manifest["sources"]),
    )


async def collect(config: DatasetConfig, progress: Progress = lambda _: None) -> Collected:
    """Every configured source's rows, and what each left out."""
    collected = Collected()
    database = Database(config.database_url, pool_size=2) if config.database_url else None
    try:
        if Source.TUTOR_TURN in config.sources:
            collected.extend(await _tutor_turns(config, database, progress))
        if Source.GENERATED_ITEM in config.sources and database is not None:
            progress("reading approved generated items")
            collected.extend(await collect_approved_items(database))
    finally:
        if database is not None:
            await database.close()
    if Source.OPENSTAX_SOLUTION in config.sources:
        progress("parsing OpenStax worked solutions")
        collected.extend(await asyncio.to_thread(collect_openstax_solutions, config.openstax_books))
    return collected


async def _tutor_turns(
    config: DatasetConfig, database: Database | None, progress: Progress
) -> Collected:
    turn_filter = TurnFilter(frozenset(), None)
    if database is not None:
        progress("reading tutor flags and stored exercises")
        exercises = ExerciseLeaks(await stored_exercises(database))
        turn_filter = TurnFilter(await flagged_turns(database), exercises)
    progress("reading liked tutor turns")
    analytics = open_analytics(config)
    try:
        return await collect_tutor_turns(
            analytics, config.since_or_epoch(), turn_filter, config.page_rows
        )
    finally:
        await analytics.close()


def open_analytics(config: DatasetConfig) -> AnalyticsStore:
    if config.clickhouse_url:
        from core.infra.analytics.clickhouse import ClickHouseAnalytics

        return ClickHouseAnalytics.from_url(config.clickhouse_url)
    from core.infra.analytics.chdb import ChdbAnalytics

    path = config.chdb_path
    assert path is not None  # the config refuses tutor turns without either
    if not path.is_dir():  # chDB would make an empty store there, and the build no turns
        raise FileNotFoundError(f"no analytics store at {path}: set chdb_path or clickhouse_url")
    return ChdbAnalytics(path)
