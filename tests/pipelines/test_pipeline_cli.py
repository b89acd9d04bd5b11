"""``wc pipeline``: the command line runs a registered pipeline's entry point with settings from
the environment, lists pipelines with their next firing, and refuses bad input clearly."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from core.infra.database import Database
from rag.ingest import ingest_course
from tests.fixtures.cli import run_command, run_wc
from tests.rag.factories import LOOPS, PHOTOSYNTHESIS, make_course


async def pipelines_cli(
    *args: str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """``python -m pipelines.cli``: what the scheduler and a Ray job run (no web layer)."""
    return await asyncio.to_thread(
        run_command, [sys.executable, "-m", "pipelines.cli", *args], {**os.environ, **env}, cwd
    )


async def test_run_embeddings_from_the_command_line(
    database: Database, database_url_for_test: str, tmp_path: Path
) -> None:
    async with database.session() as session:
        course = await make_course(session, "Science", [PHOTOSYNTHESIS, LOOPS])
    await ingest_course(database, course.course_id)
    env = {
        "WC_DATABASE_URL": database_url_for_test,
        "WC_MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "WC_DATA_DIR": str(tmp_path / "data"),
        "WC_RAY_ADDRESS": "",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }

    done = await pipelines_cli(
        "run", "embeddings", "--set", "mode=incremental", "--json", env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert (result["mode"], result["lessons_checked"], result["lessons_embedded"]) == (
        "incremental",
        2,
        0,
    )
    assert result["embedding_model"] == "bundled" and result["run_id"]

    refused = await pipelines_cli("run", "embeddings", "--set", "workers=0", env=env, cwd=tmp_path)
    assert refused.returncode == 1
    assert "workers" in refused.stderr and "greater than or equal to 1" in refused.stderr


async def test_list_unknown_names_and_bad_schedules(
    database_url_for_test: str, tmp_path: Path
) -> None:
    schedule = {"WC_PIPELINE_SCHEDULE": "embeddings=0 3 * * *", "WC_PIPELINE_TIMEZONE": "UTC"}
    listed = await run_wc(database_url_for_test, "pipeline", "list", env=schedule)  # in `wc`
    assert listed.returncode == 0, listed.stderr
    assert "embeddings" in listed.stderr and "0 3 * * *" in listed.stderr
    assert " 03:00" in listed.stderr  # the next firing

    env = {"PYTHONPATH": os.pathsep.join(sys.path)}
    unknown = await pipelines_cli("run", "embedings", env=env, cwd=tmp_path)
    assert unknown.returncode == 2
    assert (
        "no pipeline named 'embedings'; known: dataset, embeddings, finetune, promote"
        in unknown.stderr
    )

    env["WC_PIPELINE_SCHEDULE"] = "embeddings=3am"
    bad = await pipelines_cli("schedule", env=env, cwd=tmp_path)
    assert bad.returncode == 2
    assert "'3am': a cron expression has 5 fields" in bad.stderr
