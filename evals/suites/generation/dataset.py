"""The generation suite's job: ten fixed topics, five from each eval book, each with the one
objective a content editor would give and the kind of item to write for it.

Version 1. The topics and objectives are written here in our own words (the books' text is not
copied); ``module_id`` names the book section that holds the source material, so a course built
from those sections alone can serve the job (the tests do that). The books alternate, so any
``--limit`` takes both books' topics from two on. Change a topic, an objective or a kind: bump
``VERSION`` (the gate compares runs of one version only).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agents.content.schemas import ItemKind
from evals.heldout import ANATOMY_BOOK, STATISTICS_BOOK

VERSION = "generation-v1"

COURSE_TITLES = {
    STATISTICS_BOOK: "Introductory Statistics",
    ANATOMY_BOOK: "Anatomy and Physiology",
}
# Both books are first-year college texts.
READING_GRADE = 12.0


@dataclass(frozen=True)
class GenerationTopic:
    key: str
    book: str
    module_id: str
    topic: str
    objective: str
    kind: ItemKind

    @property
    def course_title(self) -> str:
        return COURSE_TITLES[self.book]


TOPICS: tuple[GenerationTopic, ...] = (
    GenerationTopic(
        "stats-center",
        STATISTICS_BOOK,
        "m46928",
        "Measures of center: the mean and the median",
        "Calculate the median of a small data set",
        "numeric",
    ),
    GenerationTopic(
        "ap-homeostasis",
        ANATOMY_BOOK,
        "m45989",
        "Homeostasis and feedback loops",
        "Explain how negative feedback keeps body temperature stable",
        "short_answer",
    ),
    GenerationTopic(
        "stats-spread",
        STATISTICS_BOOK,
        "m46922",
        "The spread of data and the standard deviation",
        "Describe what the standard deviation tells about a data set",
        "multiple_choice",
    ),
    GenerationTopic(
        "ap-cell-membrane",
        ANATOMY_BOOK,
        "m46021",
        "Moving substances across the cell membrane",
        "Describe how diffusion moves substances across the cell membrane",
        "multiple_choice",
    ),
    GenerationTopic(
        "stats-events",
        STATISTICS_BOOK,
        "m46948",
        "Independent and mutually exclusive events",
        "Distinguish independent events from mutually exclusive events",
        "short_answer",
    ),
    GenerationTopic(
        "ap-blood",
        ANATOMY_BOOK,
        "m46710",
        "What blood is made of",
        "Identify the formed elements of blood and the job of each",
        "multiple_choice",
    ),
    GenerationTopic(
        "stats-binomial",
        STATISTICS_BOOK,
        "m46950",
        "The binomial distribution",
        "Calculate the mean number of successes of a binomial experiment",
        "numeric",
    ),
    GenerationTopic(
        "ap-gas-exchange",
        ANATOMY_BOOK,
        "m46521",
        "Gas exchange between the alveoli and the blood",
        "Explain how oxygen moves from the alveoli into the blood",
        "short_answer",
    ),
    GenerationTopic(
        "stats-hypotheses",
        STATISTICS_BOOK,
        "m47033",
        "Null and alternative hypotheses",
        "State the null and alternative hypotheses of a test about a population mean",
        "multiple_choice",
    ),
    GenerationTopic(
        "ap-bone",
        ANATOMY_BOOK,
        "m46281",
        "Compact and spongy bone",
        "Compare the structure of compact bone with that of spongy bone",
        "short_answer",
    ),
)


def sample(books_dir: Path, limit: int | None, seed: int) -> Sequence[GenerationTopic]:
    """The first ``limit`` topics (all without one). A fixed job: neither the books nor the seed
    change it."""
    return TOPICS if limit is None else TOPICS[:limit]


def all_questions(books_dir: Path) -> list[str]:
    """Every topic and objective the job asks for, for training data to exclude."""
    return [text for topic in TOPICS for text in (topic.topic, topic.objective)]
