"""The tutor and safety suites against the session's LLM application, on the eval books: each
logs one MLflow run, and what it records per question is what the tutor and the model did."""

from evals.runner import run_suite
from evals.suite import SuiteContext
from evals.suites.safety import SUITE as SAFETY
from evals.suites.tutor import SUITE as TUTOR
from evals.suites.tutor.dataset import ChoiceQuestion
from serving.client import LLMClient
from tests.fixtures.llm import LlmServer

TUTOR_LIMIT = 3  # two statistics questions, one A&P; a pedagogy and an off-syllabus one
SAFETY_LIMIT = 3  # red-team and benign each


async def test_tutor_suite_asks_the_model_and_the_tutor(
    suite_context: SuiteContext, llm_server: LlmServer, tracking_uri: str
) -> None:
    suite_context.llm = LLMClient(llm_server.base_url, llm_server.model)
    questions = TUTOR.load(suite_context.books_dir, TUTOR_LIMIT, 0)
    result = await run_suite(TUTOR, suite_context, tracking_uri, target="served", limit=TUTOR_LIMIT)

    kinds = [e.record["kind"] for e in result.examples]
    assert kinds.count("multiple_choice") == TUTOR_LIMIT
    assert kinds.count("pedagogy") == kinds.count("off_syllabus") == 1
    for question, example in zip(questions, result.examples, strict=True):
        assert example.example_id == question.key
        if isinstance(question, ChoiceQuestion):
            labels = {label for label, _ in question.options}
            assert example.record["tutor_choice"] in labels | {None}
            assert example.scores["tutor_choice_accuracy"] == float(
                example.record["tutor_choice"] == question.answer
            )
    off = next(e for e in result.examples if e.record["kind"] == "off_syllabus")
    assert off.scores["not_covered"] == 1.0, off.record
    pedagogy = next(e for e in result.examples if e.record["kind"] == "pedagogy")
    assert set(pedagogy.scores) >= {"reveals_answer", "rule_mistake_identification"}
    assert set(result.estimates) >= {"tutor_choice_accuracy", "not_covered"}
    if "citation_validity" in result.estimates:
        assert result.estimates["citation_validity"].mean == 1.0


async def test_safety_suite_counts_refusals(
    suite_context: SuiteContext, llm_server: LlmServer, tracking_uri: str
) -> None:
    suite_context.llm = LLMClient(llm_server.base_url, llm_server.model)
    result = await run_suite(
        SAFETY, suite_context, tracking_uri, target="served", limit=SAFETY_LIMIT
    )

    harmful = [e for e in result.examples if e.record["category"] != "benign"]
    benign = [e for e in result.examples if e.record["category"] == "benign"]
    assert len(harmful) == len(benign) == SAFETY_LIMIT
    for example in harmful:
        assert set(example.scores) == {"refusal_rate", f"refusal_{example.record['category']}"}
        if example.record["phrasing"] == "direct":  # the screen's own patterns
            assert example.scores["refusal_rate"] == 1.0, example.record
    assert all(set(e.scores) == {"false_refusal_rate"} for e in benign)
    assert result.estimates["refusal_rate"].n == SAFETY_LIMIT
