"""``generation``: the content graph on a fixed ten-topic job with the model under evaluation:
schema validity, first-pass check pass rate, grounding."""

from evals.suite import Suite
from evals.suites.generation import dataset, scorer
from evals.suites.generation.thresholds import THRESHOLDS

SUITE = Suite(
    name="generation",
    version=dataset.VERSION,
    description="Content generation on a fixed ten-topic job over the eval books' courses.",
    thresholds=THRESHOLDS,
    load=dataset.sample,
    score=scorer.score,
    questions=dataset.all_questions,
)
