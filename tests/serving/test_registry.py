"""The MLflow registry hook: the champion alias names the served model; moving it is noticed."""

import contextlib
from pathlib import Path

import pytest

from core.model_registry import ChampionWatcher, champion_uri, champion_version
from serving.models import prepare_model
from tests.fixtures.llm import prepared_bundled_model

MODEL_NAME = "tutor-llm"
DEFAULT_EXPERIMENT = "0"  # every new MLflow store has it


def register_version(tracking_uri: str, model_dir: Path) -> str:
    """Log a model directory as a run's artifacts and register it; return the version."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    run = client.create_run(DEFAULT_EXPERIMENT)
    client.log_artifacts(run.info.run_id, str(model_dir), artifact_path="model")
    client.set_terminated(run.info.run_id)
    with contextlib.suppress(MlflowException):  # registered by an earlier version
        client.create_registered_model(MODEL_NAME)
    version = client.create_model_version(
        MODEL_NAME, source=f"{run.info.artifact_uri}/model", run_id=run.info.run_id
    )
    return str(version.version)


def set_champion(tracking_uri: str, version: str) -> None:
    from mlflow import MlflowClient

    MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri).set_registered_model_alias(
        MODEL_NAME, "champion", version
    )


@pytest.fixture
def tracking_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)  # MLflow puts run artifacts under ./mlruns
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


def test_champion_is_prepared_and_a_moved_alias_is_noticed(
    tracking_uri: str, tmp_path: Path
) -> None:
    bundled = prepared_bundled_model()
    assert champion_version(tracking_uri, MODEL_NAME) is None
    first = register_version(tracking_uri, bundled)
    set_champion(tracking_uri, first)
    assert champion_version(tracking_uri, MODEL_NAME) == first

    served = prepare_model(champion_uri(MODEL_NAME), tmp_path / "models", tracking_uri)
    assert (served / "config.json").is_file()
    assert (served / "model.safetensors").stat().st_size == (
        bundled / "model.safetensors"
    ).stat().st_size

    moves: list[str] = []
    watcher = ChampionWatcher(
        tracking_uri, MODEL_NAME, poll_seconds=60, on_change=moves.append, current=first
    )
    assert watcher.check() is False  # nothing moved yet
    second = register_version(tracking_uri, bundled)
    set_champion(tracking_uri, second)
    assert watcher.check() is True
    assert moves == [second]
    assert watcher.check() is False

    # A move made before the watcher starts (while its caller deployed ``first``) is noticed on
    # the first poll: the watcher starts from what its caller serves, not from the alias.
    late: list[str] = []
    started_late = ChampionWatcher(
        tracking_uri, MODEL_NAME, poll_seconds=60, on_change=late.append, current=first
    )
    assert started_late.check() is True
    assert late == [second]
