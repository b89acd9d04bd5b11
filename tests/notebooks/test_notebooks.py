"""The ML engineers' notebooks run top to bottom with small settings, so that they never rot:
each is executed by a real Jupyter kernel (nbclient) with its parameters cell extended by the
test's values, then what it produced is checked (the MLflow runs it made, the figures it drew)."""

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from core.model_registry import champion_version
from tests.fixtures.books import EvalBooks
from tests.fixtures.llm import CHECKOUT, LlmServer
from tests.openstax import BOOKS_DIR, STATISTICS_BOOK

NOTEBOOKS = CHECKOUT / "notebooks"
TIMEOUT_SECONDS = 900


def _literal(value: Any) -> str:
    if isinstance(value, Path):
        return f"Path({str(value)!r})"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)


def run_notebook(name: str, parameters: dict[str, Any], cwd: Path) -> nbformat.NotebookNode:
    """Execute the notebook in ``cwd`` with ``parameters`` assigned after its own; an error in
    any cell fails the test with the cell's traceback."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    cell.source += "\n" + "\n".join(f"{k} = {_literal(v)}" for k, v in parameters.items())
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return notebook


def outputs(notebook: nbformat.NotebookNode, kind: str) -> list[str]:
    """Every output of ``kind`` (``text/plain``, ``image/png``, or ``stream`` text)."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if kind == "stream" and output.get("output_type") == "stream":
                found.append(output["text"])
            elif kind in output.get("data", {}):
                found.append(output["data"][kind])
    return found


@pytest.mark.slow
def test_the_tutor_session_notebook_explains_a_real_answer(
    eval_books: EvalBooks, llm_server: LlmServer, tmp_path: Path
) -> None:
    notebook = run_notebook(
        "tutor_session.ipynb",
        {
            "DATABASE_URL": eval_books.database_url,
            "LLM_BASE_URL": llm_server.base_url,
            "LLM_MODEL": llm_server.model,
            "BOOKS_DIR": eval_books.books_dir,
            "BOOK": STATISTICS_BOOK,
        },
        tmp_path,
    )
    printed = "".join(outputs(notebook, "stream"))
    assert "intent: content_question, refused: False" in printed
    assert outputs(notebook, "image/png"), "the similarity chart was not drawn"


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, nbformat.NotebookNode]:
    """The fine-tune walkthrough, two LoRA steps and a two-question gate, in a store of its own."""
    root = tmp_path_factory.mktemp("walkthrough")
    tracking_uri = f"sqlite:///{root / 'mlflow.db'}"
    notebook = run_notebook(
        "finetune_walkthrough.ipynb",
        {
            "TRACKING_URI": tracking_uri,
            "BOOKS": [BOOKS_DIR / STATISTICS_BOOK],
            "WORK_DIR": root / "work",
            "STEPS": 2,
            "LIMIT": 2,
            "MODELS_DIR": CHECKOUT / ".wc-data" / "models",
        },
        root,
    )
    return tracking_uri, notebook


@pytest.mark.slow
def test_the_walkthrough_builds_trains_and_promotes_a_first_champion(
    walkthrough: tuple[str, nbformat.NotebookNode],
) -> None:
    from mlflow import MlflowClient

    tracking_uri, notebook = walkthrough
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    experiment = client.get_experiment_by_name("finetune")
    assert experiment is not None
    [trained] = client.search_runs([experiment.experiment_id])
    assert [m.step for m in client.get_metric_history(trained.info.run_id, "loss")] == [1, 2]
    assert "PROMOTED: no champion yet" in "".join(outputs(notebook, "stream"))
    assert champion_version(tracking_uri, "tutor-llm") == "1"
    assert outputs(notebook, "image/png"), "the loss curve was not drawn"


@pytest.mark.slow
def test_the_eval_report_plots_the_registered_versions(
    walkthrough: tuple[str, nbformat.NotebookNode], tmp_path: Path
) -> None:
    tracking_uri, _ = walkthrough
    notebook = run_notebook("eval_report.ipynb", {"TRACKING_URI": tracking_uri}, tmp_path)
    tables = "".join(outputs(notebook, "text/plain"))
    assert "solution_nll" in tables and "promoted" in tables
    assert outputs(notebook, "image/png"), "the metrics were not plotted"
