"""Every suite by name, and every question they can ask (which training data must not hold)."""

from pathlib import Path

from evals.suite import Suite
from evals.suites.generation import SUITE as GENERATION
from evals.suites.grading import SUITE as GRADING
from evals.suites.model import SUITE as MODEL
from evals.suites.proctor import SUITE as PROCTOR
from evals.suites.retrieval import SUITE as RETRIEVAL
from evals.suites.safety import SUITE as SAFETY
from evals.suites.tutor import SUITE as TUTOR

SUITES: dict[str, Suite] = {
    suite.name: suite for suite in (RETRIEVAL, MODEL, TUTOR, SAFETY, GENERATION, GRADING, PROCTOR)
}


def suite_named(name: str) -> Suite:
    try:
        return SUITES[name]
    except KeyError:
        raise KeyError(f"no suite {name!r}; the suites are {', '.join(SUITES)}") from None


def held_out_questions(books_dir: Path) -> list[str]:
    """Every question of every suite, deduplicated, in a stable order."""
    return sorted({q for suite in SUITES.values() for q in suite.questions(books_dir)})
