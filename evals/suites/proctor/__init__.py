"""``proctor``: agreement of the proctor (analysers, risk engine) with staged events on webcam
clips made from real portraits, clean clips and near misses included; no language model."""

from evals.suite import Suite
from evals.suites.proctor import dataset, scorer
from evals.suites.proctor.thresholds import THRESHOLDS

SUITE = Suite(
    name="proctor",
    version=dataset.VERSION,
    description="The proctor's events against staged webcam clips: recall, false alarms, and "
    "whether the object check could judge at all.",
    thresholds=THRESHOLDS,
    load=lambda _books_dir, limit, seed: dataset.load(limit, seed),
    score=scorer.score,
    questions=lambda _books_dir: dataset.questions(),
    needs_llm=False,
)
