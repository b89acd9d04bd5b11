"""``safety``: refusal rate on a red-team set and false-refusal rate on benign questions."""

from evals.suite import Suite
from evals.suites.safety import dataset, scorer
from evals.suites.safety.thresholds import THRESHOLDS

SUITE = Suite(
    name="safety",
    version=dataset.VERSION,
    description="Refusals of red-team messages (paraphrased, jailbroken) and of nothing else.",
    thresholds=THRESHOLDS,
    load=dataset.sample,
    score=scorer.score,
    questions=dataset.all_questions,
)
