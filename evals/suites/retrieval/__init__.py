"""``retrieval``: chapter-hit@k and MRR of the course search on held-out exercises."""

from evals.suite import Suite
from evals.suites.retrieval import dataset, scorer
from evals.suites.retrieval.thresholds import THRESHOLDS

SUITE = Suite(
    name="retrieval",
    version=dataset.VERSION,
    description="Course search: the right chapter in the top k for held-out book exercises.",
    thresholds=THRESHOLDS,
    load=dataset.sample,
    score=scorer.score,
    questions=lambda books_dir: [q.query for q in dataset.questions_of(books_dir)],
    needs_llm=False,
)
