"""Evidence scorer benchmark: how often it ranks the keyed option first, how fast, next to the
bare library doing the same work in the same run.

    .venv/bin/python bench/evidence.py [--books anatomy-physiology,introductory-statistics-bundle]
                                       [--database-url URL] [--limit N]

The books (../shared/data/openstax or WC_OPENSTAX_DIR) are imported and ingested as
``wc import openstax`` does (lesson text, glossary definitions, exercises: minutes on 2 cores).
Every keyed multiple-choice exercise is then ranked by ``rag.evidence.EvidenceScorer`` with its
shipped settings, one question after another.

(a) Accuracy, per book, on the dev chapters (the settings were fitted there) and the held-out
chapters (``evals.heldout.is_held_out_chapter``): the share of questions whose keyed option the
evidence ranks first, next to similarity alone (the bi-encoder's cosine of question + option with
the same passages, the floor to beat), with 95 % bootstrap intervals; and what "supported" means
there (the share of picks whose calibrated confidence reaches the setting, and how many of those
are right). The claim map (``EvidenceScorer.check_claims``, what the tutor scores a free answer
with) is refitted the same way: each question's keyed option and one seeded distractor, scored
as the claims of one answer, on the dev chapters.

(b) Latency per question and per option (p50/p95), next to the bare sentence-transformers
``encode`` of the texts the scorer embeds for that question (the question, and question + each
option), same model and precision, timed in the same loop. The rest of the scorer's time is the
search (one statement per question, its option searches included when ``option_passages`` asks
for them) and the co-occurrence count.

(c) Items per minute of structure-first generation next to LLM-first need the LLM application:
``bench/content.py --modes structure,llm`` runs the same job both ways in one run.
"""

import argparse
import asyncio
import random
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _ingestion import bare_model
from _streaming import percentile
from tutor import BOOKS_DIR, bench_server

from core.curriculum.models import AssessmentItem, Course, Lesson, Unit
from core.infra.database import Database
from evals.heldout import ANATOMY_BOOK, STATISTICS_BOOK, is_held_out_chapter
from evals.stats import Estimate, bootstrap_mean
from platform_api.openstax.service import import_openstax_source
from rag.embeddings import Embedder
from rag.evidence import EvidenceScorer, EvidenceSettings, fit_confidence
from rag.ingest import ingest_course
from rag.settings import RagSettings

CLAIM_SEED = 20261203
LATENCY_GOAL = 1.2  # the scorer's time per question over the bare encode of its texts


@dataclass(frozen=True)
class Scored:
    book: str
    held_out: bool
    evidence_right: bool
    similarity_right: bool
    supported: bool
    margin: float
    options: int
    seconds: float
    bare_seconds: float
    claim_scores: tuple[float, float]  # the keyed option and one distractor, scored as claims


@dataclass(frozen=True)
class KeyedQuestion:
    book: str
    course_id: uuid.UUID
    chapter: str
    prompt: str
    options: list[str]
    key: int

    @property
    def others(self) -> list[int]:
        """The distractors' positions."""
        return [i for i in range(len(self.options)) if i != self.key]


async def import_and_ingest(database: Database, books: list[str]) -> dict[str, list[uuid.UUID]]:
    """Each book's courses, imported and ingested."""
    courses: dict[str, list[uuid.UUID]] = {}
    for book in books:
        async with database.session() as session:
            before = set(await session.scalars(select(Course.id)))
            await import_openstax_source(session, BOOKS_DIR / book, None)
            courses[book] = [c for c in await session.scalars(select(Course.id)) if c not in before]
        for course in courses[book]:
            report = await ingest_course(database, course)
            print(f"{book}: {report.chunks_written} chunks in {report.seconds:.0f} s")
    return courses


async def keyed_questions(
    database: Database, courses: dict[str, list[uuid.UUID]]
) -> list[KeyedQuestion]:
    found = []
    async with database.session() as session:
        for book, ids in courses.items():
            rows = await session.execute(
                select(AssessmentItem, Unit.title)
                .join(Lesson, Lesson.id == AssessmentItem.lesson_id)
                .join(Unit, Unit.id == Lesson.unit_id)
                .where(AssessmentItem.course_id.in_(ids))
                .order_by(AssessmentItem.id)
            )
            for item, chapter in rows:
                labels = [o["label"].lower() for o in item.options or []]
                if item.answer and item.answer.lower() in labels:
                    options = [o["text"] for o in item.options]
                    key = labels.index(item.answer.lower())
                    found.append(
                        KeyedQuestion(book, item.course_id, chapter, item.prompt, options, key)
                    )
    return found


def per_book(questions: list[KeyedQuestion], book: str) -> list[KeyedQuestion]:
    return [q for q in questions if q.book == book]


async def score_all(
    scorer: EvidenceScorer, questions: list[KeyedQuestion], precision: str
) -> list[Scored]:
    bare = bare_model(scorer.rag_settings, precision)
    distractors = random.Random(CLAIM_SEED)
    scored = []
    with Progress(
        TextColumn("ranking options"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    ) as progress:
        task = progress.add_task("rank", total=len(questions))
        for question in questions:
            started = time.perf_counter()
            ranking = await scorer.rank(question.prompt, question.options, [question.course_id])
            seconds = time.perf_counter() - started
            started = time.perf_counter()
            bare.encode([question.prompt])
            bare.encode([f"{question.prompt} {option}" for option in question.options])
            bare_seconds = time.perf_counter() - started
            claims = await claim_scores(scorer, question, distractors.choice(question.others))
            scored.append(
                Scored(
                    question.book,
                    is_held_out_chapter(question.chapter),
                    ranking.best == question.key,
                    ranking.most_similar == question.key,
                    ranking.supported,
                    ranking.margin,
                    len(question.options),
                    seconds,
                    bare_seconds,
                    claims,
                )
            )
            progress.advance(task)
    return scored


async def claim_scores(
    scorer: EvidenceScorer, question: KeyedQuestion, distractor: int
) -> tuple[float, float]:
    texts = [question.options[question.key], question.options[distractor]]
    checked = await scorer.check_claims(question.prompt, texts, [question.course_id])
    return checked.supports[0].score, checked.supports[1].score


def share(estimate: Estimate) -> str:
    return f"{estimate.mean:.1%} [{estimate.low:.1%}, {estimate.high:.1%}]"


def accuracy_table(scored: list[Scored]) -> Table:
    table = Table(title="keyed option ranked first (95 % bootstrap interval)")
    for column in ("book", "chapters", "questions", "evidence", "similarity alone", "supported"):
        table.add_column(column)
    for book in dict.fromkeys(s.book for s in scored):
        for held_out in (False, True):
            part = [s for s in scored if s.book == book and s.held_out == held_out]
            if not part:
                continue
            picked = [s for s in part if s.supported]
            right = sum(s.evidence_right for s in picked)
            table.add_row(
                book,
                "held-out" if held_out else "dev (fitted)",
                str(len(part)),
                share(bootstrap_mean([float(s.evidence_right) for s in part])),
                share(bootstrap_mean([float(s.similarity_right) for s in part])),
                f"{len(picked) / len(part):.0%} of picks, {right}/{len(picked)} right",
            )
    return table


def calibration_line(scored: list[Scored]) -> str:
    """The confidence map refitted on the dev chapters of the first book, next to the shipped."""
    dev = [s for s in scored if s.book == scored[0].book and not s.held_out]
    slope, intercept = fit_confidence([s.margin for s in dev], [s.evidence_right for s in dev])
    shipped = EvidenceSettings()
    scores = [score for s in dev for score in s.claim_scores]
    stated = [is_key for _ in dev for is_key in (True, False)]
    claim_slope, claim_intercept = fit_confidence(scores, stated)
    return (
        f"confidence map refitted on {scored[0].book}'s dev chapters: slope {slope:.2f}, "
        f"intercept {intercept:.2f} (shipped: {shipped.confidence_slope}, "
        f"{shipped.confidence_intercept}); claim map: slope {claim_slope:.2f}, intercept "
        f"{claim_intercept:.2f} (shipped: {shipped.claim_slope}, {shipped.claim_intercept})"
    )


def latency_table(scored: list[Scored]) -> Table:
    table = Table(title="latency, one question at a time")
    for column in ("path", "per question p50", "p95", "per option p50", "× bare encode"):
        table.add_column(column)
    scorer = [s.seconds for s in scored]
    bare = [s.bare_seconds for s in scored]
    per_option = [s.seconds / s.options for s in scored]
    bare_option = [s.bare_seconds / s.options for s in scored]
    ratio = percentile(scorer, 0.5) / percentile(bare, 0.5)
    table.add_row(
        "bare encode (question; question + each option)",
        f"{percentile(bare, 0.5) * 1000:.0f} ms",
        f"{percentile(bare, 0.95) * 1000:.0f} ms",
        f"{percentile(bare_option, 0.5) * 1000:.0f} ms",
        "1.00",
    )
    table.add_row(
        "EvidenceScorer.rank",
        f"{percentile(scorer, 0.5) * 1000:.0f} ms",
        f"{percentile(scorer, 0.95) * 1000:.0f} ms",
        f"{percentile(per_option, 0.5) * 1000:.0f} ms",
        f"{ratio:.2f} (goal ≤ {LATENCY_GOAL})",
    )
    return table


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--books", default=f"{ANATOMY_BOOK},{STATISTICS_BOOK}")
    parser.add_argument("--database-url")
    parser.add_argument("--limit", type=int, default=0, help="questions per book (0: all)")
    args = parser.parse_args()
    books = args.books.split(",")
    settings = RagSettings()
    embedder = Embedder.from_settings(settings)
    async with bench_server(args.database_url) as server:
        database = Database(server.url, pool_size=4)
        try:
            courses = await import_and_ingest(database, books)
            questions = await keyed_questions(database, courses)
            if args.limit:
                questions = [
                    q for b in books for q in [q for q in questions if q.book == b][: args.limit]
                ]
            scorer = EvidenceScorer(database, embedder, rag_settings=settings)
            await scorer.rank(questions[0].prompt, questions[0].options, [questions[0].course_id])
            scored = await score_all(scorer, questions, embedder.precision)
        finally:
            await database.close()
    console = Console()
    console.print(accuracy_table(scored))
    console.print(calibration_line(scored))
    console.print(latency_table(scored))
    console.print(
        "structure-first vs LLM-first generation, items/min: bench/content.py --modes "
        "structure,llm (it needs the LLM application)"
    )


if __name__ == "__main__":
    asyncio.run(main())
