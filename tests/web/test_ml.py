"""An ML engineer (an administrator) in a real Chromium against the platform on loopback reads the
MLflow store the pipelines write: the registered model with its champion after a promotion and a
rollback (pipelines.promote's own functions), and a real evaluation run of the proctor suite.
The page is captured at phone and desktop width and checked by axe."""

import asyncio
from pathlib import Path

from playwright.async_api import Browser, expect

from evals.catalogue import suite_named
from evals.heldout import default_books_dir
from evals.runner import mlflow_client, run_suite
from evals.suite import SuiteContext
from pipelines.promote import champion
from pipelines.promote.pipeline import rollback
from tests.fixtures.app import Api
from tests.web.pages import capture, signed_in

MODEL = "tutor-llm"


def registry_with_a_rollback(tracking_uri: str, folder: Path, database_url: str) -> None:
    """Versions 1 and 2 registered, each promoted in turn, then version 2 rolled back."""
    client = mlflow_client(tracking_uri)
    client.create_registered_model(MODEL, description="The tutor's LLM.")
    for version in ("1", "2"):
        weights = folder / f"weights-{version}"
        weights.mkdir()
        client.create_model_version(MODEL, source=str(weights))
        champion.promote(client, MODEL, version)
    rollback(MODEL, tracking_uri, "Version 2 regressed on the safety suite.", database_url)


async def test_an_ml_engineer_sees_the_champion_and_the_last_eval_runs(
    web_api: Api, browser: Browser, screenshots: Path, tmp_path: Path
) -> None:
    api = web_api
    uri = api.settings.tracking_uri
    # The rollback records its event through asyncio.run, as the CLI calls it: a thread of its own.
    await asyncio.to_thread(registry_with_a_rollback, uri, tmp_path, api.settings.database_url)
    suite = suite_named("proctor")
    await run_suite(
        suite, SuiteContext(books_dir=default_books_dir()), uri, target="no model", limit=2
    )

    teacher = await api.account("teacher")
    refused = await api.client.get("/api/v1/ml/overview", headers=teacher.headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"

    admin = await api.account("admin")
    page = await signed_in(browser, str(api.client.base_url), admin.email)
    await page.get_by_role("link", name="Models").click()
    model = page.get_by_role("region", name=f"Model {MODEL}")
    await expect(model).to_contain_text("Champion: version 1")
    versions = model.get_by_role("table", name=f"Versions of {MODEL}")
    await expect(versions.get_by_role("row").filter(has_text="champion")).to_contain_text("1")
    proctor = page.get_by_role("region", name="Suite proctor")
    await expect(proctor).to_contain_text("event_recall")
    await expect(proctor).to_contain_text("finished")
    decisions = page.get_by_role("list", name="Promotion decisions")
    await expect(decisions).to_contain_text("rolled back")
    await expect(decisions).to_contain_text("Version 2 regressed on the safety suite.")
    ui = page.get_by_role("link", name="the MLflow UI")
    assert await ui.get_attribute("href") == api.settings.mlflow_ui
    await capture(page, screenshots, "ml")
    await page.context.close()
