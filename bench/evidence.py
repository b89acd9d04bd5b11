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

(b) Latency per question and per option (p50/p95) of ``rank`` (a question's options) and of
``check_claims`` (an answer's claims: the keyed option and one distractor, as the tutor scores an
answer), each next to the bare sentence-transformers ``encode`` of the texts it embeds (the
question and question + each option or claim, in one forward pass as the scorer batches them),
same model and precision, timed in the same loop. The rest of the scorer's time is the search
(one statement: the question's passages, and each claim's when it asks for them) and the
co-occurrence count. The ranking runs before the tutor's first token, so its time is what the
tutor's time to first token grows by on a multiple-choice question.

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
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

CLAIM_SEED = 20261203
LATENCY_GOAL = 1.2  # the scorer's time per question over the bare encode of its texts
FIRST_TOKEN_GOAL_MS = 50  # what the ranking may add to the tutor's time to first token


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
    claim_seconds: float
    claim_bare_seconds: float


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
    bare = bare_model(scorer.embedder.model_name, precision)
    distractors = random.Random(CLAIM_SEED)
    scored = []
    with Progress(
        TextColumn("ranking options"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    ) as progress:
        task = progress.add_task("rank", total=len(questions))
        for question in questions:
            scored.append(
                await score_one(scorer, bare, question, distractors.choice(question.others))
            )
            progress.advance(task)
    return scored


async def score_one(
    scorer: EvidenceScorer, bare: "SentenceTransformer", question: KeyedQuestion, distractor: int
) -> Scored:
    """One question ranked, then its keyed option and one distractor checked as the claims of
    one answer; each timed next to the bare encode of the texts it embeds."""
    courses = [question.course_id]
    started = time.perf_counter()
    ranking = await scorer.rank(question.prompt, question.options, courses)
    seconds = time.perf_counter() - started
    bare_seconds = bare_encode_seconds(bare, question.prompt, question.options)
    claims = [question.options[question.key], question.options[distractor]]
    started = time.perf_counter()
    checked = await scorer.check_claims(question.prompt, claims, courses)
    claim_seconds = time.perf_counter() - started
    return Scored(
        book=question.book,
        held_out=is_held_out_chapter(question.chapter),
        evidence_right=ranking.best == question.key,
        similarity_right=ranking.most_similar == question.key,
        supported=ranking.supported,
        margin=ranking.margin,
        options=len(question.options),
        seconds=seconds,
        bare_seconds=bare_seconds,
        claim_scores=(checked.supports[0].score, checked.supports[1].score),
        claim_seconds=claim_seconds,
        claim_bare_seconds=bare_encode_seconds(bare, question.prompt, claims),
    )


def bare_encode_seconds(bare: "SentenceTransformer", question: str, texts: list[str]) -> float:
    """The scorer's own embedding work done by the bare library: the question and question +
    each text, in one forward pass as the scorer batches them."""
    started = time.perf_counter()
    bare.encode([question, *(f"{question} {text}" for text in texts)])
    return time.perf_counter() - started


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
    table = Table(title="latency, one question at a time (× bare: p50 over the bare encode's p50)")
    for column in ("path", "p50", "p95", "per option or claim p50", "× bare encode"):
        table.add_column(column)
    rows = [
        ("EvidenceScorer.rank (a question's options)", "seconds", "bare_seconds", "options"),
        (
            "EvidenceScorer.check_claims (an answer's 2 claims)",
            "claim_seconds",
            "claim_bare_seconds",
            None,
        ),
    ]
    for name, timed, bare, per in rows:
        scorer = [getattr(s, timed) for s in scored]
        encode = [getattr(s, bare) for s in scored]
        counts = [getattr(s, per) if per else 2 for s in scored]
        ratio = percentile(scorer, 0.5) / percentile(encode, 0.5)
        for path, values, shown in (
            ("  bare encode of its texts", encode, "1.00"),
            (name, scorer, f"{ratio:.2f} (goal ≤ {LATENCY_GOAL})"),
        ):
            each = [value / count for value, count in zip(values, counts, strict=True)]
            table.add_row(
                path,
                milliseconds(percentile(values, 0.5)),
                milliseconds(percentile(values, 0.95)),
                milliseconds(percentile(each, 0.5)),
                shown,
            )
    return table


def first_token_line(scored: list[Scored]) -> str:
    """The ranking runs before the tutor's first token (its explain-mode lead states the pick;
    in Socratic mode the LLM is prompted only once the settling passage is known)."""
    seconds = [s.seconds for s in scored]
    return (
        f"tutor's time to first token on a multiple-choice question grows by the ranking: "
        f"p50 {milliseconds(percentile(seconds, 0.5))}, p95 "
        f"{milliseconds(percentile(seconds, 0.95))} (goal ≤ {FIRST_TOKEN_GOAL_MS} ms)"
    )


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


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
    console = Console(width=None if sys.stdout.isatty() else 140)
    console.print(accuracy_table(scored))
    console.print(calibration_line(scored))
    console.print(latency_table(scored))
    console.print(first_token_line(scored))
    console.print(
        "structure-first vs LLM-first generation, items/min: bench/content.py --modes "
        "structure,llm (it needs the LLM application)"
    )


if __name__ == "__main__":
    asyncio.run(main())
