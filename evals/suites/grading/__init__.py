"""``grading``: agreement of the rubric grader with answers of known correctness to held-out
OpenStax exercises (worked solutions, perturbed ones, other exercises' solutions)."""

from evals.suite import Suite
from evals.suites.grading import dataset, scorer
from evals.suites.grading.thresholds import THRESHOLDS

SUITE = Suite(
    name="grading",
    version=dataset.VERSION,
    description="The rubric grader against worked solutions and wrong answers, held-out exercises.",
    thresholds=THRESHOLDS,
    load=dataset.sample,
    score=scorer.score,
    questions=dataset.all_questions,
)
