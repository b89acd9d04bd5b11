"""The gate end to end with real models: vLLM serves each registered version for its suite runs,
MLflow holds the registry and every figure, the decision reaches the platform's outbox.

The champion is first the bundled model and the candidate a deliberately degraded copy (noise on
every weight: see tests/pipelines/models.py): the gate refuses it and names the regressing suite.
Then the degraded copy is made champion by hand and the bundled model is the candidate: the gate
promotes it. A rollback puts the degraded champion back."""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from core.infra.database import Database
from core.infra.outbox_models import OutboxEvent
from core.model_registry import champion_version
from evals.compare import load_run
from pipelines.promote import champion
from pipelines.promote.config import PromotionConfig
from pipelines.promote.pipeline import rollback, run
from tests.fixtures.llm import prepared_bundled_model
from tests.openstax import BOOKS_DIR
from tests.pipelines.models import degraded_copy, register

NAME = "tutor-llm"
NOISE = 0.5


async def outbox_types(database_url: str) -> list[str]:
    database = Database(database_url, pool_size=1)
    try:
        async with database.session() as session:
            rows = await session.scalars(select(OutboxEvent).order_by(OutboxEvent.occurred_at))
            return [row.type for row in rows]
    finally:
        await database.close()


@pytest.mark.slow
def test_the_gate_refuses_a_worse_model_promotes_a_better_one_and_rolls_back(
    tracking_uri: str, database_url_for_test: str, tmp_path: Path
) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    bundled = prepared_bundled_model()
    good = register(tracking_uri, NAME, bundled)
    bad = register(tracking_uri, NAME, degraded_copy(bundled, tmp_path / "noisy", NOISE))
    champion.promote(client, NAME, good)

    def gate(candidate: str) -> PromotionConfig:
        return PromotionConfig(
            registered_model=NAME,
            candidate_version=candidate,
            tracking_uri=tracking_uri,
            suites=("model",),
            target_suite="model",
            limit=6,
            books_dir=BOOKS_DIR,
            database_url=database_url_for_test,
        )

    refused = run(gate(bad))
    assert not refused.decision.promote
    assert refused.decision.regressing_suites == ["model"], refused.decision.reason
    assert champion_version(tracking_uri, NAME) == good
    decision_run = client.get_run(refused.run_id)
    assert decision_run.data.tags["decision"] == "rejected"
    assert decision_run.data.metrics["model.solution_nll.delta_low"] > 0  # worse everywhere

    champion.promote(client, NAME, bad)  # the degraded model holds the alias now
    promoted = run(gate(good))
    assert promoted.decision.promote, promoted.decision.reason
    assert champion_version(tracking_uri, NAME) == good
    # The champion's runs from the first decision were reused: same questions, paired.
    champion_run = load_run(tracking_uri, promoted.eval_runs["champion.model"])
    assert champion_run.run_id == refused.eval_runs["candidate.model"]

    rolled = rollback(NAME, tracking_uri, "test", database_url_for_test)
    assert (rolled.from_version, rolled.to_version) == (good, bad)
    assert champion_version(tracking_uri, NAME) == bad
    assert asyncio.run(outbox_types(database_url_for_test)) == [
        "model.rejected",
        "model.promoted",
        "model.rolled_back",
    ]
