"""``model``: the LLM alone, without the tutor: worked-solution likelihood and multiple choice."""

from evals.suite import Suite
from evals.suites.model import dataset, scorer
from evals.suites.model.thresholds import THRESHOLDS

SUITE = Suite(
    name="model",
    version=dataset.VERSION,
    description="The model alone: held-out worked solutions' likelihood, multiple choice.",
    thresholds=THRESHOLDS,
    load=dataset.sample,
    score=scorer.score,
    questions=dataset.all_questions,
    likelihood_only=True,
)
