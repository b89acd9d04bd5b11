"""The ML engineers' loop end to end with the real stack: captured tutor turns (chDB, through the
capture consumer) and OpenStax worked solutions → a dataset → a LoRA fine-tune of the bundled
SmolLM2 → a registered version → the gate runs the suites against the champion → the decision is
recorded, and a Serve application that follows the registry answers with what the alias names.
The first half is the fine-tune walkthrough notebook, run as an ML engineer would run it; the eval
report notebook reads the store at the end.

A few CPU steps will not beat a real champion honestly, so the champion is deliberately degraded
first: the bundled model with Gaussian noise of half of each weight tensor's own spread
(tests/pipelines/models.py), which makes the books' worked solutions far less likely. The
fine-tuned candidate beats it on the ``model`` suite and is promoted; a second candidate trained
with a destroyed learning rate (1.0: every step throws the adapter far off) is refused with the
``model`` suite named; a rollback puts the degraded champion back, and serving follows each move.
A proctored session opened before the promotion is still live after it: a new model replaces
the LLM's replicas, not the proctor's.
"""

import asyncio
import contextlib
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.infra.outbox_models import OutboxEvent
from core.model_registry import champion_version
from core.processes import stop_process
from evals.catalogue import held_out_questions
from evals.heldout import STATISTICS_BOOK
from pipelines.finetune.config import FinetuneConfig
from pipelines.finetune.pipeline import run as finetune
from pipelines.promote import champion
from pipelines.promote.config import PromotionConfig
from pipelines.promote.pipeline import rollback
from pipelines.promote.pipeline import run as gate
from platform_api.analytics.capture import TurnCompleted
from tests.analytics.factories import make_turn
from tests.fixtures.llm import CHECKOUT, prepared_bundled_model, serve_environment
from tests.fixtures.notebooks import outputs, run_notebook
from tests.fixtures.postgres import free_port
from tests.fixtures.servers import S3Server
from tests.fixtures.torch_threads import torch_threads
from tests.openstax import BOOKS_DIR
from tests.pipelines.dataset_factories import capture, liked
from tests.pipelines.models import degraded_copy, register

NAME = "tutor-llm"
SERVE_TIMEOUT_SECONDS = 600


def normalised(text: str) -> str:
    return " ".join(text.lower().split())


LIKED_EXCHANGES = (
    (
        "What does the median of a data set tell me?",
        "The median is the middle value once the data are ordered: half the values lie below it.",
    ),
    (
        "Why do we draw a histogram?",
        "A histogram groups values into classes so that the shape and spread of the data show.",
    ),
    (
        "When is a sample biased?",
        "A sample is biased when some members of the population were more likely to be chosen.",
    ),
    (
        "What is the difference between a statistic and a parameter?",
        "A parameter describes a whole population; a statistic is computed from a sample of it.",
    ),
    (
        "How does an outlier change the mean?",
        "One extreme value pulls the mean towards it, while the median barely moves.",
    ),
    (
        "What does a box plot show?",
        "It shows the minimum, the quartiles, the median and the maximum of the data at a glance.",
    ),
)


def captured_turns() -> list[TurnCompleted]:
    course = uuid.uuid4()
    return [
        make_turn(
            learner_id=uuid.uuid4(),
            course_id=course,
            question=question,
            answer=answer,
            intent="content_question",
            mode="explain",
        )
        for question, answer in LIKED_EXCHANGES
    ]


class FollowingServe:
    """``wc serve`` following the registry's champion (polled every two seconds)."""

    def __init__(self, process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
        self.process, self.base_url, self.log = process, base_url, log

    def served_version(self) -> str | None:
        try:
            response = httpx.get(f"{self.base_url}/models", timeout=5)
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        return response.json()["data"][0]["metadata"].get("registry_version")

    def deployed_versions(self) -> list[str | None]:
        """The registry versions ``wc serve`` finished deploying, in order (its JSON log lines,
        among Ray's own output; the last line may still be being written)."""
        versions = []
        for line in self.log.read_text().splitlines():
            with contextlib.suppress(json.JSONDecodeError):
                record = json.loads(line) if line.startswith('{"') else {}
                if record.get("message") == "deployed":
                    versions.append(record.get("registry_version"))
        return versions

    def wait_for_version(self, version: str) -> None:
        """Until the model card names ``version`` and its rollout is over: the card changes with
        the new ingress, while the old LLM replicas answer until the new ones are ready."""
        deadline = time.monotonic() + SERVE_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"wc serve exited:\n{self.log.read_text()[-4000:]}")
            if self.deployed_versions()[-1:] == [version] and self.served_version() == version:
                return
            time.sleep(2)
        raise AssertionError(f"still not serving v{version}:\n{self.log.read_text()[-4000:]}")

    def answer(self) -> dict[str, Any]:
        response = httpx.post(
            f"{self.base_url}/chat/completions",
            json={
                "model": "smollm2-135m-instruct",
                "messages": [{"role": "user", "content": "What is a median?"}],
                "max_tokens": 16,
            },
            timeout=120,
        )
        response.raise_for_status()
        answered: dict[str, Any] = response.json()
        return answered

    def open_proctor_session(self) -> str:
        """A proctored session opened on the application (no stream yet); its path."""
        root = self.base_url.removesuffix("/v1")
        response = httpx.post(
            f"{root}/proctor/sessions", json={"session_id": uuid.uuid4().hex}, timeout=60
        )
        assert response.status_code == 201, response.text
        placed = response.json()
        return f"{root}/proctor/hosts/{placed['host']}/sessions/{placed['session_id']}"

    def proctor_session_live(self, path: str) -> bool:
        response = httpx.get(path, timeout=60)
        return response.status_code == 200 and not response.json()["ended"]


@pytest.fixture
def start_following_serve(
    tmp_path: Path, tracking_uri: str, s3_server: S3Server, biometric_key: str
) -> Iterator[Callable[[], FollowingServe]]:
    """Starts ``wc serve`` following the registry when called (once the champion exists)."""
    started: list[subprocess.Popen[bytes]] = []

    def start() -> FollowingServe:
        port = free_port()
        env = serve_environment(tmp_path / "serve", port, free_port(), s3_server, biometric_key)
        env |= {
            "WC_REGISTRY_MODEL_NAME": NAME,
            "WC_MLFLOW_TRACKING_URI": tracking_uri,
            "WC_REGISTRY_POLL_SECONDS": "2",
        }
        log = tmp_path / "serve.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(Path(sys.executable).with_name("wc")), "serve"],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        return FollowingServe(process, f"http://127.0.0.1:{port}/v1", log)

    yield start
    for process in started:
        stop_process(process, grace_seconds=90)


def outbox_types(database_url: str) -> list[str]:
    from sqlalchemy import select

    from core.infra.database import Database

    async def read() -> list[str]:
        database = Database(database_url, pool_size=1)
        try:
            async with database.session() as session:
                rows = await session.scalars(select(OutboxEvent).order_by(OutboxEvent.occurred_at))
                return [row.type for row in rows]
        finally:
            await database.close()

    return asyncio.run(read())


def latest_run_id(tracking_uri: str, experiment: str) -> str:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"no {experiment} run"
    [latest] = client.search_runs(
        [found.experiment_id], order_by=["attributes.start_time DESC"], max_results=1
    )
    return str(latest.info.run_id)


@pytest.mark.slow
def test_captured_use_becomes_a_model_that_reaches_learners_only_when_better(
    tmp_path: Path,
    tracking_uri: str,
    database_url_for_test: str,
    start_following_serve: Callable[[], FollowingServe],
) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    degraded = register(
        tracking_uri, NAME, degraded_copy(prepared_bundled_model(), tmp_path / "noisy", 0.5)
    )
    champion.promote(client, NAME, degraded)
    following_serve = start_following_serve()  # on the degraded champion, ready in a minute
    turns = captured_turns()
    asyncio.run(capture(tmp_path / "clickhouse", turns, [liked(t) for t in turns]))
    # Serving answers with the champion before the fine-tune starts: a vLLM start beside the
    # training loop on two cores made its steps 5-10x slower (23.7 s against 2.1 s alone).
    following_serve.wait_for_version(degraded)
    assert following_serve.answer()["choices"][0]["message"]["content"]
    # A learner sits a proctored exam while the model changes: the session outlives it.
    proctored = following_serve.open_proctor_session()

    # Dataset → LoRA → gate, as the walkthrough notebook tells an ML engineer to do it.
    walkthrough = run_notebook(
        "finetune_walkthrough.ipynb",
        {
            "TRACKING_URI": tracking_uri,
            "DATABASE_URL": database_url_for_test,
            "BOOKS": [BOOKS_DIR / STATISTICS_BOOK],
            "CHDB_PATH": tmp_path / "clickhouse",
            "WORK_DIR": tmp_path / "walkthrough",
            "STEPS": 6,
            "LIMIT": 6,
            "MODELS_DIR": CHECKOUT / ".wc-data" / "models",
        },
        tmp_path,
    )
    assert outputs(walkthrough, "image/png"), "the loss curve was not drawn"
    dataset_run = latest_run_id(tracking_uri, "datasets")
    folder = Path(client.download_artifacts(dataset_run, "dataset", str(tmp_path / "read")))
    rows = [
        json.loads(line)
        for split in ("train.jsonl", "validation.jsonl")
        for line in (folder / split).read_text().splitlines()
    ]
    captured = [row for row in rows if row["source"] == "tutor_turn"]
    assert len(captured) == len(turns) and len(rows) > len(turns)
    asked = [normalised(m["content"]) for row in rows for m in row["messages"]]
    eval_questions = {normalised(q) for q in held_out_questions(BOOKS_DIR) if len(q) > 40}
    assert not any(q in text for text in asked for q in eval_questions)

    candidate = champion_version(tracking_uri, NAME)
    assert candidate not in (None, degraded), "the fine-tuned candidate was not promoted"
    promoted_run = latest_run_id(tracking_uri, "promotions")
    assert client.get_run(promoted_run).data.tags["decision"] == "promoted"

    # While serving rolls the candidate out, a candidate trained with a destroyed learning rate
    # meets the gate, on one torch thread: its steps took 3.3 s beside the rollout's engine start
    # (2.7 s after it), and the rollout 42 s beside them (36 s alone).
    with torch_threads():
        broken = finetune(
            FinetuneConfig(
                dataset=f"runs:/{dataset_run}/dataset",
                tracking_uri=tracking_uri,
                models_dir=CHECKOUT / ".wc-data" / "models",
                work_dir=tmp_path / "lora-destroyed",
                steps=3,
                batch_size=2,
                max_length=192,
                learning_rate=1.0,
                warmup_steps=0,
                checkpoint_every=3,
                validation_rows=0,
            )
        )
        refused = gate(
            PromotionConfig(
                registered_model=NAME,
                candidate_version=broken.version,
                tracking_uri=tracking_uri,
                suites=("model",),
                target_suite="model",
                limit=6,
                books_dir=BOOKS_DIR,
                database_url=database_url_for_test,
            )
        )
    assert not refused.decision.promote
    assert refused.decision.regressing_suites == ["model"], refused.decision.reason
    assert champion_version(tracking_uri, NAME) == candidate
    # The champion's runs of the first decision were reused: the same questions, paired.
    first = client.get_run(promoted_run).data.tags["eval_run.candidate.model"]
    assert refused.eval_runs["champion.model"] == first
    decision = client.get_run(refused.run_id).data
    assert decision.tags["decision"] == "rejected"
    assert decision.metrics["model.solution_nll.delta_low"] > 0

    following_serve.wait_for_version(str(candidate))
    assert following_serve.answer()["choices"][0]["message"]["content"]
    assert following_serve.proctor_session_live(proctored), "the promotion ended a proctored exam"

    back = rollback(NAME, tracking_uri, "the test rolls back", database_url_for_test)
    assert (back.from_version, back.to_version) == (candidate, degraded)
    assert outbox_types(database_url_for_test) == [
        "model.promoted",
        "model.rejected",
        "model.rolled_back",
    ]

    # The report notebook reads the store while serving redeploys the rolled-back champion:
    # it trains nothing, so that engine start beside it slows it little.
    report = run_notebook("eval_report.ipynb", {"TRACKING_URI": tracking_uri}, tmp_path)
    tables = "".join(outputs(report, "text/plain"))
    assert "solution_nll" in tables and "rejected" in tables
    assert outputs(report, "image/png"), "the metrics were not plotted"
    following_serve.wait_for_version(degraded)
