"""The dataset pipeline end to end on the real stores: tutor turns and feedback captured into chDB,
generated items stored and approved in PostgreSQL, the Anatomy and Physiology book read from
../shared/data, an MLflow sqlite store. One scenario is built twice (into two folders) and the
tests read what came out."""

import asyncio
import json
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from core.curriculum.models import AssessmentItem, ItemKind
from core.infra.database import Database
from core.openstax.parser import parse_collection_dir
from pipelines.datasets.config import DatasetConfig, Source
from pipelines.datasets.pipeline import DatasetResult, run
from pipelines.datasets.tracking import DATASET_ARTIFACTS, HASH_TAG
from pipelines.datasets.writer import MANIFEST_FILE, TRAIN_FILE, VALIDATION_FILE
from platform_api.analytics.capture import TurnCompleted
from platform_api.cli import app
from tests.analytics.factories import make_turn
from tests.fixtures.postgres import create_test_database
from tests.openstax import ANATOMY_BOOK, BOOKS_DIR
from tests.pipelines.dataset_factories import (
    APPROVED_ITEMS,
    PENDING_ITEMS,
    approved_and_pending_items,
    capture,
    disliked,
    liked,
)
from tests.rag.factories import LessonSpec, make_course

LEARNERS = 24
WORDS = tuple(
    """
    cell membrane protein enzyme nucleus ribosome tissue muscle nerve blood vessel heart lung
    bone joint skin gland hormone kidney liver neuron signal pressure volume oxygen glucose
    calcium sodium potassium receptor channel fiber layer organ system balance rate growth
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
CELLS = LessonSpec(title="Cells", body="Cells hold organelles; heart muscle cells beat.")
EMAIL, PHONE = "ada.lovelace@example.org", "+44 20 7946 0958"


@dataclass
class Scenario:
    """What was captured, by what the dataset must do with it."""

    kept: dict[str, TurnCompleted]  # a liked, clean turn per name
    excluded: dict[str, TurnCompleted]  # by the reason it must be left out
    learner_turns: list[TurnCompleted]  # many learners, for the split
    pii_turn: TurnCompleted
    held_out: list[str]  # as the evals would give them
    held_out_sources: list[str]  # the OpenStax exercises' own text
    paraphrase_turn: TurnCompleted


@dataclass
class Built:
    scenario: Scenario
    first: DatasetResult
    second: DatasetResult
    root: Path  # holds the chDB store (clickhouse/) and the MLflow store (mlflow.db)
    database_url: str

    def tracking_uri(self) -> str:
        return f"sqlite:///{self.root / 'mlflow.db'}"

    def rows(self) -> list[dict[str, Any]]:
        lines = [
            line
            for name in (TRAIN_FILE, VALIDATION_FILE)
            for line in (self.first.folder / name).read_text().splitlines()
        ]
        return [json.loads(line) for line in lines]

    def row(self, row_id: str) -> dict[str, Any] | None:
        return next((r for r in self.rows() if r["id"] == row_id), None)


def a_turn(**overrides: Any) -> TurnCompleted:
    """A turn the model answered (the analytics factory's intent is not one the tutor records)."""
    return make_turn(**{"intent": "content_question", **overrides})


def late_id() -> uuid.UUID:
    """A turn id that sorts after every uuid4 (its first 19 digits are the largest a uuid4 can
    have): of two duplicates the dataset keeps the one with the smaller id, so the copy made with
    this one is the one dropped. Only ``f`` first sorted before one uuid4 in 32 (one whose first
    digit is ``f`` too, then larger), and the original turn's row went missing."""
    return uuid.UUID("ffffffff-ffff-4fff-bfff-" + uuid.uuid4().hex[:12])


def words(seed: int, count: int) -> list[str]:
    return random.Random(seed).sample(WORDS, count)


def learner_turn(learner: uuid.UUID, course: uuid.UUID, seed: int) -> TurnCompleted:
    a, b, c, d, e, f = words(seed, 6)
    return a_turn(
        learner_id=learner,
        course_id=course,
        mode="explain",
        question=f"Why does the {a} {b} change when the {c} grows, and what about {d}?",
        answer=f"The {a} {b} follows the {c} because {e} and {f} rise together [1].\n\n"
        f"Sources: [1] The {c}",
    )


def book_exercises() -> tuple[Any, Any]:
    """A multiple-choice and a free-response exercise of the book, both with solutions."""
    [book] = parse_collection_dir(BOOKS_DIR / ANATOMY_BOOK)
    exercises = [e for c in book.chapters for m in c.modules for e in m.exercises if e.solution]
    choice = next(e for e in exercises if e.options and len(e.prompt.split()) >= 8)
    free = next(e for e in exercises if not e.options and len(e.prompt.split()) >= 12)
    return choice, free


def paraphrase(question: str) -> str:
    """One word changed and the punctuation altered, as a learner retypes a question."""
    said = question.rstrip("?.!").split()
    said[len(said) // 2] = "really"
    return " ".join(said).replace(",", "") + "!!"


def scenario(course: uuid.UUID) -> Scenario:
    learner = uuid.uuid4()
    choice, free = book_exercises()
    stored_question = (
        "A sample of 40 adults has a mean resting heart rate of 72 beats per minute and a "
        "standard deviation of 8. What is the standard error of the mean?"
    )
    kept = {
        "explained": a_turn(
            learner_id=learner,
            course_id=course,
            mode="explain",
            question="How do ribosomes read messenger RNA during translation?",
            answer="Ribosomes move along the mRNA three bases at a time [1], matching each codon "
            "with a transfer RNA [2].\n\nSources: [1] Translation; [2] Transfer RNA",
        ),
        "socratic": a_turn(
            course_id=course,
            mode="socratic",
            intent="homework_help",
            question="Which organelle makes ATP? a) the nucleus b) the mitochondrion c) a ribosome",
            answer="Think about where cellular respiration happens [1]. Which of these organelles "
            "has folded inner membranes?\n\nSources: [1] Cellular respiration",
        ),
    }
    duplicate_of = kept["explained"]
    near_answer = duplicate_of.answer.replace("three bases", "three nucleotides")
    excluded = {
        "disliked": a_turn(course_id=course, question="What do lysosomes digest in a cell?"),
        "up_then_down": a_turn(course_id=course, question="What does the Golgi do to lipids?"),
        "no_feedback": a_turn(course_id=course, question="What do centrioles organise?"),
        "exam_in_progress": a_turn(
            course_id=course, intent="exam_in_progress", refused=True, answer="Exam in progress."
        ),
        "flagged": a_turn(course_id=course, intent="unsafe", refused=True, answer="Please…"),
        "off_topic": a_turn(course_id=course, intent="off_topic", answer="Not covered."),
        "names_an_option": a_turn(
            course_id=course,
            mode="socratic",
            intent="homework_help",
            question="Where is DNA kept? a) in the nucleus b) in the ribosome c) in the cell wall",
            answer="The answer is a) in the nucleus, where chromatin is stored.",
        ),
        "withdrawn_leak": a_turn(
            course_id=course,
            mode="socratic",
            intent="homework_help",
            question="What is the standard error when n is 25 and s is 10?",
            answer="I won't give you the final answer, but let's get there together. What is the "
            "exercise asking you to find? Try the first step and tell me what you get.",
        ),
        "stored_exercise_answer": a_turn(
            course_id=course,
            mode="socratic",
            intent="homework_help",
            question=stored_question,
            answer="Divide 8 by the square root of 40: the standard error is 1.26 [1].",
        ),
        "duplicate": a_turn(
            turn_id=late_id(),
            course_id=course,
            question=duplicate_of.question,
            answer=duplicate_of.answer,
        ),
        "near_duplicate": a_turn(
            turn_id=late_id(), course_id=course, question=duplicate_of.question, answer=near_answer
        ),
        "held_out": a_turn(course_id=course, question=free.prompt, answer="Both hold enzymes."),
    }
    paraphrased = a_turn(
        course_id=course, question=paraphrase(free.prompt), answer="They share membranes."
    )
    learners = [uuid.uuid4() for _ in range(LEARNERS)]
    learner_turns = [
        learner_turn(who, course, seed=index * 2 + n)
        for index, who in enumerate(learners)
        for n in range(2)
    ]
    options = "\n".join(f"({o['label'].upper()}) {o['text']}" for o in choice.options)
    return Scenario(
        kept=kept,
        excluded=excluded,
        learner_turns=learner_turns,
        pii_turn=a_turn(
            course_id=course,
            question=f"I'm {EMAIL}, call me on {PHONE}: what is a tendon made of?",
            answer="A tendon is dense regular connective tissue, mostly collagen fibres.",
        ),
        held_out=[f"{choice.prompt}\n{options}", free.prompt],
        held_out_sources=[choice.prompt, free.prompt],
        paraphrase_turn=paraphrased,
    )


def feedback_for(story: Scenario) -> list[Any]:
    positive = [
        *story.kept.values(),
        *story.learner_turns,
        story.paraphrase_turn,
        story.pii_turn,
        *(t for name, t in story.excluded.items() if name not in ("disliked", "no_feedback")),
    ]
    up_then_down = story.excluded["up_then_down"]
    return [
        *map(liked, positive),
        disliked(story.excluded["disliked"]),
        disliked(up_then_down),
    ]


async def add_stored_exercise(database: Database, course: uuid.UUID, lesson: uuid.UUID) -> None:
    """The exercise the ``stored_exercise_answer`` turn restates, with its key."""
    async with database.session() as session, session.begin():
        session.add(
            AssessmentItem(
                lesson_id=lesson,
                course_id=course,
                kind=ItemKind.NUMERIC,
                prompt="A sample of 40 adults has a mean resting heart rate of 72 beats per "
                "minute and a standard deviation of 8. What is the standard error of the mean?",
                answer="1.26",
                solution="8 / sqrt(40) = 1.26",
            )
        )


@pytest.fixture(scope="module")
async def built(
    postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Built]:
    root = tmp_path_factory.mktemp("datasets")
    database = Database(await create_test_database(postgres_server_url), pool_size=2)
    try:
        async with database.session() as session:
            course = await make_course(session, "Cells", [CELLS])
        await add_stored_exercise(database, course.course_id, course.lesson_ids[0])
        await approved_and_pending_items(database, course.course_id)
    finally:
        await database.close()
    story = scenario(course.course_id)
    turns = [*story.kept.values(), *story.excluded.values(), *story.learner_turns]
    await capture(
        root / "clickhouse",
        [*turns, story.paraphrase_turn],
        feedback_for(story),
        redelivered=[story.kept["explained"]],
        # Stored as it was said: written before the capture scrubbed text (or past a scrubber
        # that missed it), so the dataset's own scrubbing is what removes the details.
        raw_turns=[story.pii_turn.model_dump()],
    )
    results = []
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)  # MLflow keeps a sqlite store's artifacts under ./mlruns
        for attempt in ("first", "second"):
            config = DatasetConfig(
                out_dir=root / attempt,
                tracking_uri=f"sqlite:///{root / 'mlflow.db'}",
                chdb_path=root / "clickhouse",
                database_url=database.url,
                openstax_books=(BOOKS_DIR / ANATOMY_BOOK,),
                held_out=story.held_out,
                validation_fraction=0.3,
                page_rows=7,  # several ClickHouse pages: the keyset paging loses no turn
            )
            results.append(await asyncio.to_thread(run, config))
    yield Built(story, results[0], results[1], root, database.url)


def test_only_liked_answered_clean_turns_become_rows(built: Built) -> None:
    story = built.scenario
    for name, turn in story.kept.items():
        row = built.row(str(turn.turn_id))
        assert row is not None, name
        assert row["source"] == "tutor_turn" and row["group"] == str(turn.learner_id)
        assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
    for name, turn in story.excluded.items():
        assert built.row(str(turn.turn_id)) is None, name
    dropped = built.first.dropped
    assert dropped["no_positive_feedback"] == 3  # disliked, rated up then down, no rating
    assert (dropped["refused"], dropped["flagged"], dropped["not_answered_by_model"]) == (1, 1, 1)
    assert dropped["leak"] == 3  # names an option, a withdrawn leak, a stored exercise's key
    # The retyped turn, and near-duplicates the book has of its own exercises.
    assert dropped["duplicate"] == 1 and dropped["near_duplicate"] >= 1


def test_the_answer_keeps_no_citation_of_sources_it_does_not_show(built: Built) -> None:
    row = built.row(str(built.scenario.kept["explained"].turn_id))
    assert row is not None
    assert row["messages"][-1]["content"] == (
        "Ribosomes move along the mRNA three bases at a time, matching each codon with a "
        "transfer RNA."
    )


def test_personal_data_in_a_captured_turn_is_scrubbed(built: Built) -> None:
    row = built.row(str(built.scenario.pii_turn.turn_id))
    assert row is not None
    said = "I'm [EMAIL], call me on [PHONE]: what is a tendon made of?"
    assert row["messages"][1]["content"] == said
    texts = [
        message["content"]
        for name in (TRAIN_FILE, VALIDATION_FILE)
        for line in (built.first.folder / name).read_text().splitlines()
        for message in json.loads(line)["messages"]
    ]
    # The messages, not the rows' random ids: a UUID held "7946" in a fresh-clone run.
    assert not [text for text in texts if EMAIL in text or "7946" in text]


def test_approved_generated_items_are_explained_and_pending_ones_absent(built: Built) -> None:
    items = [r for r in built.rows() if r["source"] == "generated_item"]
    by_question = {r["messages"][1]["content"].splitlines()[0]: r for r in items}
    assert set(by_question) == {item.stem for item in APPROVED_ITEMS}
    choice = by_question[APPROVED_ITEMS[0].stem]
    assert choice["messages"][1]["content"].splitlines()[1:] == [
        "a) The nucleolus",
        "b) The nuclear pore",
        "c) The nuclear envelope",
        "d) Chromatin",
    ]
    assert choice["messages"][-1]["content"] == (
        "The answer is (a) The nucleolus.\n\nIt builds ribosomal subunits from rRNA."
    )
    numeric = by_question[APPROVED_ITEMS[1].stem]["messages"][-1]["content"]
    assert numeric.startswith("The answer is 46 chromosomes.")
    assert all(PENDING_ITEMS[0].stem not in r["messages"][1]["content"] for r in built.rows())


def test_openstax_solutions_are_in_and_held_out_questions_nowhere(built: Built) -> None:
    rows = built.rows()
    solutions = [r for r in rows if r["source"] == "openstax_solution"]
    assert len(solutions) > 500 and all(r["group"].startswith("openstax:") for r in solutions)
    asked = [r["messages"][1]["content"] for r in rows]
    for question in built.scenario.held_out_sources:
        assert all(question not in text for text in asked)
    assert built.row(str(built.scenario.paraphrase_turn.turn_id)) is None
    # The two exercises, the turn asking one of them and the turn paraphrasing it.
    assert built.first.dropped["held_out"] == 4


def test_no_learner_is_in_both_splits(built: Built) -> None:
    def groups(name: str) -> set[str]:
        lines = (built.first.folder / name).read_text().splitlines()
        return {json.loads(line)["group"] for line in lines}

    train, validation = groups(TRAIN_FILE), groups(VALIDATION_FILE)
    learners = {str(t.learner_id) for t in built.scenario.learner_turns}
    assert learners & train and learners & validation
    assert not train & validation


def test_building_twice_gives_the_same_bytes_and_hash(built: Built) -> None:
    first, second = built.first, built.second
    assert first.hash == second.hash and first.run_id != second.run_id
    for name in (TRAIN_FILE, VALIDATION_FILE, MANIFEST_FILE):
        assert (first.folder / name).read_bytes() == (second.folder / name).read_bytes()
    manifest = json.loads((first.folder / MANIFEST_FILE).read_text())
    assert manifest["hash"] == first.hash and manifest["rows"] == first.rows
    assert sum(manifest["sources"].values()) == first.rows["train"] + first.rows["validation"]


def test_the_mlflow_run_has_the_hash_counts_and_files(built: Built, tmp_path: Path) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=built.tracking_uri())
    run_ = client.get_run(built.first.run_id)
    assert client.get_experiment(run_.info.experiment_id).name == "datasets"
    assert run_.info.status == "FINISHED"
    assert run_.data.tags[HASH_TAG] == built.first.hash
    metrics = run_.data.metrics
    assert metrics["rows_train"] == built.first.rows["train"]
    assert metrics["rows_validation"] == built.first.rows["validation"]
    assert metrics["dropped_held_out"] == 4 and metrics["rows_generated_item"] == 2
    listed = {f.path for f in client.list_artifacts(built.first.run_id, DATASET_ARTIFACTS)}
    files = (TRAIN_FILE, VALIDATION_FILE, MANIFEST_FILE)
    assert listed == {f"{DATASET_ARTIFACTS}/{name}" for name in files}


def test_wc_dataset_build_reads_the_stores_the_api_writes(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI with the API's settings: chDB in the data dir, the database URL, MLflow's store;
    ``--since`` after every captured turn leaves only the approved items."""
    held_out = tmp_path / "held_out.json"
    held_out.write_text(json.dumps(built.scenario.held_out))
    monkeypatch.chdir(built.root)
    env = {
        "WC_DATA_DIR": str(built.root),
        "WC_DATABASE_URL": built.database_url,
        "WC_MLFLOW_TRACKING_URI": built.tracking_uri(),
        "WC_OPENSTAX_DIR": str(tmp_path / "no-books"),  # no eval book there: no solutions
    }
    out = tmp_path / "cli"
    arguments = ["dataset", "build", "--out", str(out), "--since", "2026-03-15"]
    result = CliRunner().invoke(app, [*arguments, "--held-out", str(held_out)], env=env)
    assert result.exit_code == 0, result.output
    assert "OpenStax solutions left out" in result.output
    manifest = json.loads((out / MANIFEST_FILE).read_text())
    assert manifest["sources"] == {"tutor_turn": 0, "generated_item": 2, "openstax_solution": 0}
    assert manifest["settings"]["since"] == "2026-03-15T00:00:00+00:00"
    assert manifest["hash"][:16] in result.output


def test_the_config_refuses_a_source_it_cannot_reach(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="approved generated items need database_url"):
        DatasetConfig(
            out_dir=tmp_path,
            tracking_uri="sqlite:///x.db",
            sources=frozenset({Source.GENERATED_ITEM}),
        )
