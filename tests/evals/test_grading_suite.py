"""The grading suite: its answers of known correctness (balanced, held-out only), and a small run
of the grading graph with the bundled model logged as one MLflow run in a sqlite store."""

import re
from collections import Counter
from pathlib import Path

import pytest

from evals.heldout import EVAL_BOOKS, is_held_out
from evals.runner import run_suite
from evals.suite import SuiteContext
from evals.suites.grading import SUITE, dataset
from evals.suites.grading.dataset import Variant
from serving.client import LLMClient
from tests.evals.logged import assert_every_metric_has_an_interval, logged_run
from tests.fixtures.llm import LlmServer
from tests.openstax import BOOKS_DIR

LIMIT = 2  # exercises, one per book: four grades
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def test_answers_are_balanced_and_drawn_from_held_out_exercises_only() -> None:
    answers = SUITE.load(BOOKS_DIR, None, 0)
    by_exercise: dict[str, list[dataset.GradedAnswer]] = {}
    for answer in answers:
        by_exercise.setdefault(answer.key, []).append(answer)
    for key, (worked, wrong) in by_exercise.items():
        assert is_held_out(key) and is_held_out(wrong.answer_source)
        assert worked.correct and worked.answer == worked.model_answer
        assert not wrong.correct and wrong.answer != wrong.model_answer
        if wrong.variant is Variant.PERTURBED:  # one number changed, nothing else
            assert _NUMBER.sub("#", wrong.answer) == _NUMBER.sub("#", worked.answer)
        else:
            assert wrong.answer_source != key and wrong.book == worked.book
    variants = Counter(answer.variant for answer in answers)
    assert variants[Variant.WORKED] == variants[Variant.PERTURBED] + variants[Variant.OTHER]
    assert variants[Variant.PERTURBED] > 50 and variants[Variant.OTHER] > 50
    assert {answer.book for answer in answers} == set(EVAL_BOOKS)
    assert set(SUITE.questions(BOOKS_DIR)) == {answer.question for answer in answers}
    # A limit samples exercises evenly between the books, the same ones for the same seed.
    sampled = SUITE.load(BOOKS_DIR, LIMIT, 7)
    assert sampled == SUITE.load(BOOKS_DIR, LIMIT, 7) != SUITE.load(BOOKS_DIR, LIMIT, 8)
    per_book = 2 * LIMIT // len(EVAL_BOOKS)  # two answers per exercise
    assert Counter(answer.book for answer in sampled) == dict.fromkeys(EVAL_BOOKS, per_book)


async def test_a_small_sample_is_graded_scored_and_logged_with_intervals(
    llm_server: LlmServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a sqlite store keeps artefacts under ./mlruns
    tracking_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    llm = LLMClient(llm_server.base_url, llm_server.model)
    context = SuiteContext(books_dir=BOOKS_DIR, llm=llm)
    try:
        run = await run_suite(SUITE, context, tracking_uri, target=llm_server.model, limit=LIMIT)
    finally:
        await llm.close()

    logged = logged_run(tracking_uri, run.run_id, tmp_path / "artefacts")
    assert logged.status == "FINISHED" and logged.params["suite_version"] == dataset.VERSION
    assert_every_metric_has_an_interval(SUITE, logged)
    examples = {example["example_id"]: example for example in logged.examples}
    assert len(examples) == 2 * LIMIT
    for example in examples.values():
        record, scores = example["record"], example["scores"]
        expected = "accept" if record["correct"] else "reject"
        assert scores["agreement"] == float(record["verdict"] == expected)
        if record["variant"] == Variant.WORKED:
            # The worked solution is the model answer itself: the evidence is full.
            assert record["similarity"] == 1.0 and "false_accept_rate" not in scores
            assert scores["false_reject_rate"] == float(record["verdict"] == "reject")
        else:
            assert scores["false_accept_rate"] == float(record["verdict"] == "accept")
        if record["variant"] == Variant.OTHER:
            # Another exercise's solution is far from the model answer: the grade cannot stand
            # as an accept on the model's word alone (the blend's confidence is their agreement).
            assert record["similarity"] < 0.5 and record["verdict"] != "accept"
    worked = [e["record"]["points"] for e in examples.values() if e["record"]["correct"]]
    wrong = [e["record"]["points"] for e in examples.values() if not e["record"]["correct"]]
    print(f"\ngrading: {run.estimates}; points worked {worked}, wrong {wrong}")
