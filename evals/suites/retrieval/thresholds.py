"""What the retrieval suite reports, and what counts as passing (measured with the bundled
MiniLM: a passage of the right chapter for ~0.9 of the statistics book's exercises in the top 5)."""

from evals.suite import Metric, Thresholds

K = 5

THRESHOLDS = Thresholds(
    target="chapter_hit_at_k",
    metrics=(
        Metric(
            "chapter_hit_at_k",
            f"A lesson passage of the question's chapter among the top {K}.",
            threshold=0.7,
            tolerance=0.03,
        ),
        Metric(
            "chapter_mrr",
            "Reciprocal rank of the first passage of the question's chapter (0 when none).",
            threshold=0.5,
            tolerance=0.03,
        ),
        Metric(
            "section_hit_at_k",
            f"A passage of the question's own section among the top {K}.",
            tolerance=0.05,
        ),
    ),
)
