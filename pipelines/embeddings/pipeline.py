"""``run(config)``: one embedding refresh as one MLflow run (experiment ``embeddings``): the
mode, model and index as parameters; chunks and lessons embedded, seconds and whether the index
was switched as metrics.

Through one ``MlflowClient``, never the fluent API: its active run and tracking URI are process
globals that would leak into the next run in the same process (the scheduler's, a test's).
"""

import asyncio
import time
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel

from pipelines.embeddings.config import RefreshConfig
from pipelines.embeddings.refresh import RefreshOutcome, refresh
from rag.ingest import ProgressCallback

if TYPE_CHECKING:
    from mlflow import MlflowClient


class RefreshResult(BaseModel):
    run_id: str
    mode: str
    embedding_model: str
    dimensions: int
    index_id: int
    previous_index_id: int | None
    index_switched: bool
    lessons_checked: int
    lessons_embedded: int
    chunks_embedded: int
    lessons_removed: int
    pruned_index_ids: list[int]
    refreshed_through: datetime
    seconds: float


def run(config: RefreshConfig, progress: ProgressCallback | None = None) -> RefreshResult:
    """Refresh the retrieval index as ``config.mode`` says; blocking (it runs its own event
    loop: call it from a thread when one is running). A local Ray it starts lives as long as
    the calling thread (Linux ends Ray's processes with the thread that started them), so call
    it from the main thread or one that outlives the runs."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=config.tracking_uri, registry_uri=config.tracking_uri)
    run_id = client.create_run(_experiment_id(client, config.experiment)).info.run_id
    status = "FAILED"
    started = time.perf_counter()
    try:
        _log_params(client, run_id, config)
        outcome = asyncio.run(refresh(config, progress))
        seconds = round(time.perf_counter() - started, 3)
        result = _result(run_id, outcome, seconds)
        _log_result(client, run_id, result)
        status = "FINISHED"
    except Exception as error:
        client.set_tag(run_id, "error", f"{type(error).__name__}: {error}"[:5000])
        raise
    finally:
        client.set_terminated(run_id, status)
    return result


def _experiment_id(client: "MlflowClient", name: str) -> str:
    found = client.get_experiment_by_name(name)
    return found.experiment_id if found is not None else client.create_experiment(name)


def _log_params(client: "MlflowClient", run_id: str, config: RefreshConfig) -> None:
    from mlflow.entities import Param

    values: dict[str, object] = {
        "requested_mode": config.mode,
        "configured_model": config.embedding_model,
        "chunk_max_tokens": config.chunk_max_tokens,
        "batch_size": config.batch_size,
        "workers": config.workers,
        "cpus_per_worker": config.cpus_per_worker,
        "lessons_per_task": config.lessons_per_task,
        "ray": config.ray_address or "local",
        "keep_previous": config.keep_previous,
    }
    client.log_batch(run_id, params=[Param(name, str(value)) for name, value in values.items()])


def _result(run_id: str, outcome: RefreshOutcome, seconds: float) -> RefreshResult:
    return RefreshResult(
        run_id=run_id,
        mode=outcome.mode,
        embedding_model=outcome.index.embedding_model,
        dimensions=outcome.index.dimensions,
        index_id=outcome.index.id,
        previous_index_id=outcome.previous_index_id,
        index_switched=outcome.switched,
        lessons_checked=outcome.lessons_checked,
        lessons_embedded=outcome.lessons_embedded,
        chunks_embedded=outcome.chunks_embedded,
        lessons_removed=outcome.lessons_removed,
        pruned_index_ids=outcome.pruned,
        refreshed_through=outcome.refreshed_through,
        seconds=seconds,
    )


def _log_result(client: "MlflowClient", run_id: str, result: RefreshResult) -> None:
    from mlflow.entities import Metric, Param

    params = {
        "mode": result.mode,
        "embedding_model": result.embedding_model,
        "dimensions": result.dimensions,
        "index_id": result.index_id,
        "previous_index_id": result.previous_index_id,
        "refreshed_through": result.refreshed_through.isoformat(),
    }
    metrics = {
        "lessons_checked": result.lessons_checked,
        "lessons_embedded": result.lessons_embedded,
        "chunks_embedded": result.chunks_embedded,
        "lessons_removed": result.lessons_removed,
        "indexes_pruned": len(result.pruned_index_ids),
        "index_switched": float(result.index_switched),
        "seconds": result.seconds,
        "chunks_per_second": result.chunks_embedded / result.seconds if result.seconds else 0.0,
    }
    now = int(time.time() * 1000)
    client.log_batch(
        run_id,
        params=[Param(name, str(value)) for name, value in params.items()],
        metrics=[Metric(name, float(value), now, 0) for name, value in metrics.items()],
    )
