"""The retrieval suite on the two eval books (A&P cut to three chapters): one MLflow run with
each metric's mean and interval, the per-example table, and figures that mean what they say."""

from evals.compare import load_run
from evals.runner import run_suite
from evals.suite import SuiteContext
from evals.suites.retrieval import SUITE
from tests.fixtures.books import EvalBooks


async def test_retrieval_suite_logs_its_figures(
    suite_context: SuiteContext, eval_books: EvalBooks, tracking_uri: str
) -> None:
    result = await run_suite(SUITE, suite_context, tracking_uri, target="no model", limit=12)

    assert len(result.examples) == 12
    assert {e.record["book"] for e in result.examples} == set(eval_books.course_ids)
    hit = result.estimates["chapter_hit_at_k"]
    assert hit.low <= hit.mean <= hit.high and hit.n == 12
    # The search finds the question's chapter far more often than a guess among the chapters
    # would (A&P has three here, statistics thirteen).
    assert hit.mean >= 0.75, [e.record for e in result.examples]
    for example in result.examples:
        if example.record["retrieved_chapters"][:1] == [example.record["chapter"]]:
            assert example.scores["chapter_mrr"] == 1.0
        assert (example.scores["chapter_mrr"] > 0) == bool(example.scores["chapter_hit_at_k"])

    logged = load_run(tracking_uri, result.run_id)
    assert logged.suite == "retrieval" and logged.target_metric == "chapter_hit_at_k"
    assert logged.scores["chapter_hit_at_k"] == {
        e.example_id: e.scores["chapter_hit_at_k"] for e in result.examples
    }
