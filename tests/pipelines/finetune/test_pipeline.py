"""The fine-tune pipeline end to end on the bundled SmolLM2 with a sqlite MLflow store: a few LoRA
steps on a tiny dataset logged as a dataset run, each step's loss and learning rate in MLflow, a
registered version that serving can prepare and transformers load, with its lineage, and a model
that learned the rows; then a run killed right after its first checkpoint (SIGKILL, through the
``wc finetune run`` command) that the same config resumes in the same MLflow run.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.finetune.config import FinetuneConfig
from pipelines.finetune.data import read_conversations, tokenize_conversations
from pipelines.finetune.lineage import code_version
from pipelines.finetune.loop import StepReport
from pipelines.finetune.pipeline import FinetuneResult, run
from pipelines.finetune.tracking import RESUMED_TAG
from pipelines.finetune.train import mean_token_loss
from serving.models import prepare_model
from tests.fixtures.llm import prepared_bundled_model
from tests.fixtures.torch_threads import TORCH_THREADS, torch_threads
from tests.pipelines.finetune.sft_rows import rows, write_dataset

REPO_ROOT = Path(__file__).resolve().parents[3]
# Small enough for a few seconds of CPU, enough for the six rows to be learned measurably (the
# validation rows are the training rows: the check is that training fits them, not that it
# generalises).
TRAINING = {
    "steps": 8,
    "batch_size": 2,
    "max_length": 128,
    "learning_rate": 2e-3,
    "warmup_steps": 1,
    "validation_rows": 6,
    "seed": 0,
}
KILLED_AFTER = 2  # the first checkpoint of the killed run
# The killed run scores no validation rows (scoring draws no random numbers: the training is the
# same as the uninterrupted run's).
KILLED_RUN = {**TRAINING, "validation_rows": 0}


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Here and in the killed run (tests/fixtures/torch_threads.py says why)."""
    with torch_threads():
        yield


def tracking_uri(root: Path) -> str:
    return f"sqlite:///{root / 'mlflow.db'}"


def client_for(root: Path):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri(root), registry_uri=tracking_uri(root))


def log_dataset_run(root: Path, folder: Path) -> str:
    """What pipelines/datasets does with a built dataset: the folder as the run's ``dataset/``
    artifacts, its hash as the ``dataset.hash`` tag."""
    import json

    client = client_for(root)
    experiment = client.create_experiment("datasets")
    run_id = str(client.create_run(experiment).info.run_id)
    client.log_artifacts(run_id, str(folder), artifact_path="dataset")
    client.set_tag(
        run_id, "dataset.hash", json.loads((folder / "manifest.json").read_text())["hash"]
    )
    client.set_terminated(run_id)
    return run_id


@dataclass(frozen=True)
class Trained:
    root: Path
    dataset_run: str
    manifest_hash: str
    config: FinetuneConfig
    result: FinetuneResult
    reports: list[StepReport]


@pytest.fixture(scope="module")
def base_model() -> Path:
    return prepared_bundled_model()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, base_model: Path) -> Trained:
    """One uninterrupted run, on a dataset given as its MLflow run (``runs:/<id>/dataset``)."""
    import json

    import mlflow

    root = tmp_path_factory.mktemp("finetune")
    built = write_dataset(root / "built", rows(), rows())
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)  # MLflow keeps a sqlite store's artifacts under ./mlruns (absolute)
        dataset_run = log_dataset_run(root, built)
        config = FinetuneConfig(
            dataset=f"runs:/{dataset_run}/dataset",
            tracking_uri=tracking_uri(root),
            base_model=str(base_model),
            work_dir=root / "work",
            checkpoint_every=4,
            **TRAINING,  # type: ignore[arg-type]
        )
        tracking_before = mlflow.get_tracking_uri()
        reports: list[StepReport] = []
        result = run(config, progress=reports.append)
        # One client, no fluent API: nothing process-wide is left for a later run to inherit.
        assert mlflow.get_tracking_uri() == tracking_before and mlflow.active_run() is None
    manifest_hash = json.loads((built / "manifest.json").read_text())["hash"]
    return Trained(root, dataset_run, manifest_hash, config, result, reports)


def test_each_step_logs_its_loss_and_learning_rate(trained: Trained) -> None:
    client = client_for(trained.root)
    losses = client.get_metric_history(trained.result.run_id, "loss")
    rates = client.get_metric_history(trained.result.run_id, "learning_rate")
    assert sorted(metric.step for metric in losses) == list(range(1, 9))
    by_step = {metric.step: metric.value for metric in rates}
    # Linear warm-up over one step (the first step already learns), then linear decay.
    assert by_step[1] == pytest.approx(1e-3) and by_step[2] == pytest.approx(2e-3)
    assert by_step[8] == pytest.approx(2e-3 / 7)
    assert all(by_step[step] > by_step[step + 1] for step in range(2, 8))
    assert [report.step for report in trained.reports] == list(range(1, 9))
    assert trained.result.final_loss == pytest.approx({m.step: m.value for m in losses}[8])
    assert client.get_run(trained.result.run_id).info.status == "FINISHED"
    assert not (trained.config.work_dir / "checkpoints").exists()  # type: ignore[operator]


def test_the_registered_version_carries_its_lineage(trained: Trained) -> None:
    client = client_for(trained.root)
    result = trained.result
    version = client.get_model_version("tutor-llm", result.version)
    assert result.model_uri == f"models:/tutor-llm/{result.version}"
    assert version.run_id == result.run_id
    assert version.source.endswith(f"{result.run_id}/artifacts/model")
    lineage = {
        "dataset.reference": f"runs:/{trained.dataset_run}/dataset",
        "dataset.run_id": trained.dataset_run,
        "dataset.hash": trained.manifest_hash,
        "base_model.source": trained.config.base_model,
        "code.version": code_version(),
    }
    assert lineage.items() <= version.tags.items()
    run_data = client.get_run(result.run_id).data
    assert lineage.items() <= run_data.tags.items()
    assert run_data.params["steps"] == "8" and run_data.params["target_modules"] == "q_proj,v_proj"
    assert client.get_registered_model("tutor-llm").aliases == {}  # the gate moves `champion`
    adapter = {item.path for item in client.list_artifacts(result.run_id, "adapter")}
    assert {"adapter/adapter_model.safetensors", "adapter/adapter_config.json"} <= adapter


def test_the_merged_model_is_servable_and_learned_the_rows(
    trained: Trained, base_model: Path
) -> None:
    """The version prepared as serving prepares it: a safetensors folder with the tokenizer that
    transformers loads, scoring the rows as the adapter did and better than the base model."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    served = prepare_model(
        trained.result.model_uri, trained.root / "served", tracking_uri(trained.root)
    )
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"):
        assert (served / name).is_file(), name
    tokenizer = AutoTokenizer.from_pretrained(served)
    conversations = [row["messages"] for row in rows()]
    scored = tokenize_conversations(tokenizer, conversations, 128).rows  # type: ignore[arg-type]

    def loss_of(folder: Path) -> float:
        model = AutoModelForCausalLM.from_pretrained(folder, dtype="float32")
        return mean_token_loss(model, scored, 2, tokenizer.pad_token_id, "cpu")

    merged, base = loss_of(served), loss_of(base_model)
    assert merged == pytest.approx(trained.result.validation_loss_after, rel=1e-3)
    assert base == pytest.approx(trained.result.validation_loss_before, rel=1e-3)
    assert merged < 0.8 * base, (base, merged)
    assert read_conversations  # the contract reader is what the pipeline used (test_data)


def test_a_killed_run_resumes_from_its_last_checkpoint(
    trained: Trained, tmp_path: Path, base_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    dataset = write_dataset(tmp_path / "data", rows(), rows())
    work = tmp_path / "work"
    log = tmp_path / "finetune.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from platform_api.cli import app; app()",
                *("finetune", "run", str(dataset), "--base-model", str(base_model)),
                *("--work-dir", str(work), "--checkpoint-every", str(KILLED_AFTER)),
                *(f"--{name.replace('_', '-')}={value}" for name, value in KILLED_RUN.items()),
            ],
            cwd=tmp_path,
            env={
                **os.environ,
                "PYTHONPATH": str(REPO_ROOT),
                "WC_MLFLOW_TRACKING_URI": tracking_uri(tmp_path),
                "WC_DATA_DIR": str(tmp_path / "wc-data"),
                "OMP_NUM_THREADS": str(TORCH_THREADS),
            },
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    first_checkpoint = work / "checkpoints" / f"step-{KILLED_AFTER:08d}"
    _wait_for(first_checkpoint, process, log)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    killed_at_ms = time.time() * 1000

    client = client_for(tmp_path)
    [killed] = client.search_runs([client.get_experiment_by_name("finetune").experiment_id])
    assert killed.info.status == "RUNNING"  # nobody was left to end it
    logged_before = [
        metric.step for metric in client.get_metric_history(killed.info.run_id, "loss")
    ]
    assert sorted(logged_before) == list(range(1, KILLED_AFTER + 1))

    config = FinetuneConfig(
        dataset=str(dataset),
        tracking_uri=tracking_uri(tmp_path),
        base_model=str(base_model),
        work_dir=work,
        checkpoint_every=KILLED_AFTER,
        **KILLED_RUN,  # type: ignore[arg-type]
    )
    with pytest.raises(ValueError, match="checkpoint of another training"):
        run(config.model_copy(update={"learning_rate": 1e-3}))

    reports: list[StepReport] = []
    resumed = run(config, progress=reports.append)

    assert resumed.run_id == killed.info.run_id and resumed.resumed_from_step == KILLED_AFTER
    assert reports[0].step == KILLED_AFTER + 1  # training went on after the checkpoint
    losses = client.get_metric_history(resumed.run_id, "loss")
    assert sorted(metric.step for metric in losses) == list(range(1, 9))  # none logged twice
    assert all(
        (metric.timestamp < killed_at_ms) == (metric.step <= KILLED_AFTER) for metric in losses
    )
    finished = client.get_run(resumed.run_id)
    assert finished.info.status == "FINISHED"
    assert finished.data.tags[RESUMED_TAG] == str(KILLED_AFTER)
    assert client.get_model_version("tutor-llm", resumed.version).run_id == resumed.run_id
    # The same training as the uninterrupted run: same rows, order, dropout masks and optimizer
    # state across the kill, hence the same losses step for step.
    uninterrupted = client_for(trained.root).get_metric_history(trained.result.run_id, "loss")
    expected = {metric.step: metric.value for metric in uninterrupted}
    assert {metric.step: metric.value for metric in losses} == pytest.approx(expected, rel=1e-4)


def _wait_for(path: Path, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 300
    while not path.is_dir():
        if process.poll() is not None:
            raise AssertionError(f"the fine-tune exited before its checkpoint:\n{log.read_text()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"no checkpoint after 300 s:\n{log.read_text()}")
        time.sleep(0.02)
