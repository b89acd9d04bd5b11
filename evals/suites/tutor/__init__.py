"""``tutor``: the tutor as served: multiple-choice accuracy (the model alone: ``model``), Socratic
pedagogy (rules and an LLM judge), citation validity and "not covered" off the syllabus."""

from evals.suite import Suite
from evals.suites.tutor import dataset, scorer
from evals.suites.tutor.thresholds import THRESHOLDS

SUITE = Suite(
    name="tutor",
    version=dataset.VERSION,
    description="The tutor as served: held-out multiple choice, pedagogy, off-syllabus.",
    thresholds=THRESHOLDS,
    load=dataset.sample,
    score=scorer.score,
    questions=dataset.all_questions,
)
