"""Socratic mode on multiple-choice exercises, with the real model: the keyed review questions
of some modules of Anatomy and Physiology 2e (read from ``../shared/data`` at run time) and
items shaped like the content pipeline's generated quizzes, asked with their options written
out in several styles (and a few without them, recognised through the stored exercise).

No answer may name an option as the answer (checked here with rules of the test's own, not the
tutor's guard), and each must ask the learner something and cite the course material."""

import asyncio
import random
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from lxml import etree
from sqlalchemy import select

from agents.content.schemas import ChoiceOption, MultipleChoiceItem
from agents.tutor.policy import TutorMode
from core.curriculum.models import AssessmentItem, Course, ItemKind, Lesson
from core.infra.database import Database
from core.openstax.parser import parse_module
from platform_api.content.store import OPTION_LABELS
from platform_api.tutor.oneshot import OneShotAnswer, ask_once
from rag.ingest import ingest_course
from serving.client import LLMClient
from tests.fixtures.llm import MAX_ONGOING_REQUESTS, LlmServer
from tests.fixtures.postgres import create_test_database
from tests.openstax import BOOKS_DIR, NS
from tests.openstax.books import book_excerpt

ANATOMY_BOOK = "anatomy-physiology"
SLUG = "anatomy-excerpt"
SEED = 20261201
BOOK_EXERCISES = 20
RICH_MODULE = 5  # keyed review questions in a module
HOMEOSTASIS_MODULE = "m45989"  # the generated items below are about its topic
WITHOUT_OPTIONS = 3  # asked with the stem only: the stored exercise must be recognised
ANSWER_TOKENS = "60"
ARTICLES = {"the", "a", "an", "of", "and", "or"}
STYLES = ("{label}) {text}\n", "{upper}. {text} ", "({label}) {text}\n")
GENERATED = [
    MultipleChoiceItem(
        stem="Which kind of feedback loop returns a body condition to its normal range?",
        options=[
            ChoiceOption(text="positive feedback", rationale="It pushes further away."),
            ChoiceOption(text="negative feedback", rationale="It reverses the change."),
            ChoiceOption(text="feed-forward control", rationale="It acts before a change."),
            ChoiceOption(text="random drift", rationale="Nothing restores the value."),
        ],
        key=1,
    ),
    MultipleChoiceItem(
        stem="What does the sensor do in a homeostatic control loop?",
        options=[
            ChoiceOption(text="it monitors a value and reports changes", rationale="Its job."),
            ChoiceOption(text="it produces the final response", rationale="The effector does."),
            ChoiceOption(text="it stores energy for later", rationale="Not a loop part."),
            ChoiceOption(text="it removes waste from cells", rationale="Not a loop part."),
        ],
        key=0,
    ),
    MultipleChoiceItem(
        stem="Contractions that grow stronger until a baby is born show which mechanism?",
        options=[
            ChoiceOption(text="negative feedback", rationale="That would damp them."),
            ChoiceOption(text="a fixed set point", rationale="Nothing is held steady."),
            ChoiceOption(text="a reflex with no effector", rationale="Muscles are effectors."),
            ChoiceOption(text="positive feedback", rationale="Each change amplifies itself."),
        ],
        key=3,
    ),
    MultipleChoiceItem(
        stem="When body temperature rises, which response helps bring it back down?",
        options=[
            ChoiceOption(text="shivering", rationale="It makes heat."),
            ChoiceOption(text="sweating", rationale="Evaporation cools the skin."),
            ChoiceOption(text="narrowing skin blood vessels", rationale="It keeps heat in."),
            ChoiceOption(text="raising the set point", rationale="That is a fever."),
        ],
        key=1,
    ),
]


@dataclass
class ChoiceExercise:
    prompt: str
    options: list[dict[str, str]]
    answer: str

    def message(self, style: str | None) -> str:
        """The question as a learner pastes it, options in ``style`` (none: the stem only)."""
        if style is None:
            return self.prompt
        written = "".join(
            style.format(label=o["label"], upper=o["label"].upper(), text=o["text"])
            for o in self.options
        )
        return f"{self.prompt}\n{written}".strip()


@dataclass
class ChoiceCourse:
    database: Database
    course_id: uuid.UUID
    exercises: list[ChoiceExercise]


def sampled_modules() -> list[str]:
    """Modules of the book, in a seeded order, until they hold enough keyed review questions
    (only modules rich in them: fewer lessons to ingest)."""
    collection = next((BOOKS_DIR / ANATOMY_BOOK / "collections").glob("*.collection.xml"))
    modules = etree.parse(str(collection)).xpath("//col:module/@document", namespaces=NS)
    random.Random(SEED).shuffle(modules)
    chosen, keyed = [HOMEOSTASIS_MODULE], keyed_questions(HOMEOSTASIS_MODULE)
    for module in modules:
        if keyed >= BOOK_EXERCISES:
            break
        if module not in chosen and (count := keyed_questions(module)) >= RICH_MODULE:
            chosen.append(module)
            keyed += count
    return chosen


def keyed_questions(module: str) -> int:
    data = (BOOKS_DIR / ANATOMY_BOOK / "modules" / module / "index.cnxml").read_bytes()
    exercises = parse_module(module, data).exercises
    return sum(e.kind is ItemKind.MULTIPLE_CHOICE for e in exercises)


def generated_item(item: MultipleChoiceItem, lesson: Lesson, position: int) -> AssessmentItem:
    """A generated quiz item stored as the content pipeline stores it: options, key letter and
    the key's rationale as the solution."""
    return AssessmentItem(
        lesson_id=lesson.id,
        course_id=lesson.course_id,
        kind=ItemKind.MULTIPLE_CHOICE,
        prompt=item.stem,
        options=[{"label": OPTION_LABELS[i], "text": o.text} for i, o in enumerate(item.options)],
        answer=OPTION_LABELS[item.key],
        solution=item.options[item.key].rationale,
        position=position,
        details=item.model_dump(mode="json"),
    )


@pytest.fixture(scope="module")
async def choice_course(
    postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ChoiceCourse]:
    if not (BOOKS_DIR / ANATOMY_BOOK).is_dir():
        pytest.skip(f"no Anatomy and Physiology book at {BOOKS_DIR}")
    from platform_api.openstax.service import import_openstax_source

    book = book_excerpt(tmp_path_factory.mktemp("book"), ANATOMY_BOOK, sampled_modules(), SLUG)
    database = Database(await create_test_database(postgres_server_url), pool_size=5)
    async with database.session() as session:
        await import_openstax_source(session, book, None)
        course_id = await session.scalar(select(Course.id).filter_by(title=SLUG.title()))
        assert course_id is not None
        homeostasis = await session.scalar(
            select(Lesson).where(Lesson.source_key == HOMEOSTASIS_MODULE)
        )
        assert homeostasis is not None
        session.add_all(generated_item(g, homeostasis, 100 + i) for i, g in enumerate(GENERATED))
        await session.commit()
        items = await session.scalars(
            select(AssessmentItem)
            .where(AssessmentItem.kind == ItemKind.MULTIPLE_CHOICE)
            .order_by(AssessmentItem.position, AssessmentItem.id)
        )
        exercises = [ChoiceExercise(i.prompt, i.options, i.answer or "") for i in items]
    await ingest_course(database, course_id)
    yield ChoiceCourse(database, course_id, exercises)
    await database.close()


@pytest.mark.slow
async def test_socratic_answers_to_multiple_choice_name_no_option(
    choice_course: ChoiceCourse, llm_server: LlmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WC_TUTOR_MAX_ANSWER_TOKENS", ANSWER_TOKENS)
    exercises = choice_course.exercises
    assert len(exercises) >= BOOK_EXERCISES + len(GENERATED)
    styles: list[str | None] = [*STYLES * len(exercises)]
    styles = styles[: len(exercises) - WITHOUT_OPTIONS]
    styles += [None] * WITHOUT_OPTIONS
    random.Random(SEED).shuffle(styles)
    llm = LLMClient(llm_server.base_url, llm_server.model)
    gate = asyncio.Semaphore(MAX_ONGOING_REQUESTS)

    async def ask(exercise: ChoiceExercise, style: str | None) -> OneShotAnswer:
        async with gate:
            return await ask_once(
                choice_course.database,
                llm,
                exercise.message(style),
                choice_course.course_id,
                TutorMode.SOCRATIC,
            )

    started = time.perf_counter()
    try:
        replies = await asyncio.gather(*map(ask, exercises, styles))
    finally:
        await llm.close()
    guided = sum(r.answer.startswith("Let's work this one out") for r in replies)
    print(
        f"\n{len(replies)} multiple-choice questions in {time.perf_counter() - started:.1f} s: "
        f"{guided} answers replaced by the guiding question, {len(replies) - guided} the "
        "model's own (followed by one)"
    )
    for exercise, reply in zip(exercises, replies, strict=True):
        said = reply.answer.split("\n\nSources: ")[0]
        context = (exercise.prompt, exercise.options, exercise.answer, reply.answer)
        assert not reply.refused and reply.citations, context
        assert "?" in said, context
        assert not asserted_options(said, exercise), context


def asserted_options(said: str, exercise: ChoiceExercise) -> list[str]:
    """The options ``said`` names: by a letter written as an answer, or by the option's text
    when that text says more than the question does."""
    flat = " ".join(_words(said))
    asked = set(_words(exercise.prompt))
    named = []
    for option in exercise.options:
        letter, words = option["label"], _words(option["text"])
        by_letter = re.search(
            rf"\({letter}\)|(?<![\w(]){letter}\)|^{letter}\. "
            rf"|\b(?:answer is|option|choice) {letter}(?=\s*(?:[.,;:!?]|$))",
            said,
            re.IGNORECASE | re.MULTILINE,
        ) or re.search(rf"\b(?:answer is|option|choice) {letter.upper()}\b", said)
        text = " ".join(words)
        says_more = len(text) > 3 and set(words) - asked - ARTICLES
        if by_letter or (says_more and re.search(rf"\b{re.escape(text)}\b", flat)):
            named.append(f"{letter}) {option['text']}")
    return named


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())
