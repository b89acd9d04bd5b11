"""Every registered pipeline builds its config from the platform's settings plus ``--set``
overrides as typed on a command line, and says clearly what it lacks."""

from pathlib import Path

import pytest
from mlflow import MlflowClient

from pipelines.datasets.config import DatasetConfig, Source
from pipelines.finetune.config import FinetuneConfig
from pipelines.promote.config import PromotionConfig
from pipelines.registry import PIPELINES, get_pipeline


@pytest.fixture
def settings_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("WC_MLFLOW_TRACKING_URI", tracking_uri)
    monkeypatch.setenv("WC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WC_OPENSTAX_DIR", str(tmp_path / "no-books"))
    monkeypatch.chdir(tmp_path)
    return tracking_uri


def test_the_ml_loop_is_schedulable() -> None:
    assert {"embeddings", "dataset", "finetune", "promote"} <= set(PIPELINES)


def test_dataset_from_settings_and_overrides(settings_env: str, tmp_path: Path) -> None:
    config = get_pipeline("dataset").config(
        {"database_url": "postgresql+asyncpg://127.0.0.1/x", "validation_fraction": "0.2"}
    )
    assert isinstance(config, DatasetConfig)
    assert config.tracking_uri == settings_env and config.validation_fraction == 0.2
    assert config.chdb_path == tmp_path / "data" / "clickhouse"
    assert Source.OPENSTAX_SOLUTION not in config.sources  # no eval book under WC_OPENSTAX_DIR

    book = tmp_path / "book"
    book.mkdir()
    chosen = get_pipeline("dataset").config(
        {"database_url": "postgresql+asyncpg://127.0.0.1/x", "openstax_books": f"{book}, {book}"}
    )
    assert isinstance(chosen, DatasetConfig)
    assert chosen.openstax_books == (book, book) and Source.OPENSTAX_SOLUTION in chosen.sources


def test_finetune_takes_the_newest_dataset_build(settings_env: str) -> None:
    with pytest.raises(ValueError, match="no finished dataset build"):
        get_pipeline("finetune").config({})
    client = MlflowClient(tracking_uri=settings_env)
    experiment = client.create_experiment("datasets")
    for _ in range(2):
        newest = client.create_run(experiment).info.run_id
        client.set_terminated(newest, "FINISHED")
    client.create_run(experiment)  # a build still running is not taken

    config = get_pipeline("finetune").config(
        {"steps": "3", "warmup_steps": "0", "target_modules": "q_proj,k_proj"}
    )
    assert isinstance(config, FinetuneConfig)
    assert config.dataset == f"runs:/{newest}/dataset"
    assert config.steps == 3 and config.target_modules == ("q_proj", "k_proj")


def test_promote_takes_the_newest_registered_version(settings_env: str) -> None:
    with pytest.raises(ValueError, match="no registered version of 'tutor-llm'"):
        get_pipeline("promote").config({})
    client = MlflowClient(tracking_uri=settings_env, registry_uri=settings_env)
    client.create_registered_model("tutor-llm")
    for _ in range(3):
        client.create_model_version("tutor-llm", "file:///weights")

    config = get_pipeline("promote").config({"suites": "model,safety", "limit": "5"})
    assert isinstance(config, PromotionConfig)
    assert config.candidate_version == "3" and config.suites == ("model", "safety")
    assert config.limit == 5

    client.set_registered_model_alias("tutor-llm", "champion", "3")
    with pytest.raises(ValueError, match="v3, the newest version, is the champion"):
        get_pipeline("promote").config({})
