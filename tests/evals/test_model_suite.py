"""The model suite on both of its engines: the session's LLM application (vLLM on Ray Serve,
through its OpenAI API) and the same bundled weights read in this process with transformers, as
the gate reads a registered version. Same questions, so the same picks and likelihoods, to within
the rounding of two bfloat16 kernels."""

import math

from evals.likelihood import LocalLikelihood
from evals.runner import run_suite
from evals.suite import SuiteContext
from evals.suites.model import SUITE as MODEL
from serving.client import LLMClient
from serving.settings import ServingSettings
from tests.fixtures.llm import LlmServer, prepared_bundled_model

LIMIT = 4  # per part: multiple-choice questions and worked solutions, both books
# The two engines' bfloat16 arithmetic differs: on the mean per-token NLL of a worked solution
# (0.011 at most over 30 solutions, measured), and on one token's log-probability. The option
# letters' logits lie between 32 and 64 for this model, where one bfloat16 step is 0.25: each
# engine rounds them on its own, so one letter may move by a step or two (0.24 at most over 119
# letters on the AMD kind, 0.254 seen once on the Intel kind with AMX), while most move far less
# (mean 0.065).
NLL_TOLERANCE = 0.1
BFLOAT16_STEP_AT_32 = 0.25  # 2^-7 × 32
LOGPROB_TOLERANCE = 2 * BFLOAT16_STEP_AT_32
MEAN_LOGPROB_TOLERANCE = 0.15


async def test_the_model_suite_scores_alike_served_and_in_process(
    suite_context: SuiteContext, llm_server: LlmServer, tracking_uri: str
) -> None:
    suite_context.llm = LLMClient(llm_server.base_url, llm_server.model)
    served = await run_suite(MODEL, suite_context, tracking_uri, target="served", limit=LIMIT)
    suite_context.llm = None
    dtype = ServingSettings().compute_dtype
    suite_context.likelihood = LocalLikelihood(prepared_bundled_model(), dtype, "cpu")
    local = await run_suite(MODEL, suite_context, tracking_uri, target="local", limit=LIMIT)

    pairs = list(zip(served.examples, local.examples, strict=True))
    assert [a.example_id for a, _ in pairs] == [b.example_id for _, b in pairs]
    solutions = [(a, b) for a, b in pairs if a.record["kind"] == "worked_solution"]
    choices = [(a, b) for a, b in pairs if a.record["kind"] == "multiple_choice"]
    assert len(solutions) == len(choices) == LIMIT
    for a, b in solutions:
        assert a.record["tokens"] == b.record["tokens"], "the two templates differ"
        nll_a, nll_b = a.scores["solution_nll"], b.scores["solution_nll"]
        assert math.isfinite(nll_b) and abs(nll_a - nll_b) < NLL_TOLERANCE, (nll_a, nll_b)
    differences = []
    for a, b in choices:
        served_letters, local_letters = a.record["option_logprobs"], b.record["option_logprobs"]
        # A letter at the edge of the top 20 may be listed by one engine only.
        common = served_letters.keys() & local_letters.keys()
        assert {a.record["model_choice"], b.record["model_choice"]} - {None} <= common
        for letter in common:
            difference = abs(served_letters[letter] - local_letters[letter])
            assert difference < LOGPROB_TOLERANCE, (a.record, b.record)
            differences.append(difference)
        # The picks differ only where two letters are within rounding of each other.
        if a.record["model_choice"] != b.record["model_choice"]:
            gap = local_letters[b.record["model_choice"]] - local_letters[a.record["model_choice"]]
            assert gap < LOGPROB_TOLERANCE, (a.record, b.record)
    assert sum(differences) / len(differences) < MEAN_LOGPROB_TOLERANCE, differences
