"""The book's own review questions reused as items: word for word, attributed to their lesson,
only where the course's evidence confirms the book's key, and never counted as a duplicate of
themselves. The real part runs on the imported Anatomy and Physiology chapters."""

from sqlalchemy import select

from agents.content.brief import Brief
from agents.content.schemas import MultipleChoiceItem, Objective
from agents.content.settings import ContentSettings
from agents.content.structured import ReviewQuestion, review_item, states_the_answer
from core.curriculum.models import AssessmentItem, ItemKind
from core.infra.database import Database
from evals.heldout import ANATOMY_BOOK
from graphs.content_gen.database_ports import DatabaseContentPorts
from graphs.content_gen.ports import ContentDeps
from graphs.content_gen.structure import draft_from_structure
from rag.embeddings import Embedder
from rag.settings import RagSettings
from serving.client import LLMClient
from tests.fixtures.books import EvalBooks
from tests.fixtures.postgres import free_port

ASKED = 12


LONGEST = "Which bone is the longest in the body?"


def question(*options: str, prompt: str = LONGEST) -> ReviewQuestion:
    return ReviewQuestion("7", prompt, list(options), 2, "The Appendicular Skeleton")


def test_a_review_question_keeps_its_wording_and_names_its_lesson() -> None:
    built = review_item(question("tibia", "humerus", "femur", "fibula"), "The femur is …")
    assert built is not None and built.origin == "review" and built.term == "review 7"
    item = built.item
    assert isinstance(item, MultipleChoiceItem)
    assert item.stem == LONGEST and item.key == 2
    assert [o.text for o in item.options] == ["tibia", "humerus", "femur", "fibula"]
    assert "The Appendicular Skeleton" in item.options[2].rationale
    assert item.options[2].rationale.startswith("Right")
    assert all(o.rationale.startswith("Not") for i, o in enumerate(item.options) if i != 2)
    # What does not fit an item is not reused: three options, an overlong stem or option.
    assert review_item(question("tibia", "humerus", "femur"), "") is None
    assert review_item(question("tibia", "humerus", "femur", "x" * 121), "") is None
    long_stem = question("tibia", "humerus", "femur", "fibula", prompt="Why " * 61 + "?")
    assert review_item(long_stem, "") is None


async def test_review_questions_are_reused_where_the_evidence_confirms_their_key(
    eval_books: EvalBooks,
) -> None:
    course = eval_books.course_ids[ANATOMY_BOOK]
    database = Database(eval_books.database_url, pool_size=2)
    try:
        ports = DatabaseContentPorts(database, Embedder.from_settings(RagSettings()), RagSettings())
        unused_llm = LLMClient(f"http://127.0.0.1:{free_port()}/v1", "none")
        deps = ContentDeps(ports, unused_llm, ContentSettings())
        async with database.session() as session:
            stored = list(
                await session.scalars(
                    select(AssessmentItem)
                    .where(
                        AssessmentItem.course_id == course,
                        AssessmentItem.kind == ItemKind.MULTIPLE_CHOICE,
                    )
                    .order_by(AssessmentItem.id)
                )
            )
        keys = {item.prompt: item for item in stored}  # the nearest may be another question
        asked = stored[:ASKED]
        brief = Brief("Anatomy and Physiology", 10.0, "Anatomy")
        reused = []
        for item in asked:  # the objective is the question itself
            objective = Objective(text=item.prompt[:200], bloom_level="remember")
            built = await draft_from_structure(
                deps, brief, course, objective, "multiple_choice", set()
            )
            if built is not None and built.origin == "review":
                reused.append(built)
        everything = await ports.course_item_vectors(course)
        without = await ports.course_item_vectors(course, excluding=[stored[0].prompt])
        await unused_llm.close()
    finally:
        await database.close()
    print(f"\n{len(reused)} of {len(asked)} objectives got a review question the evidence confirms")
    assert reused, "no review question was confirmed by the evidence"
    for built in reused:
        item = built.item
        assert isinstance(item, MultipleChoiceItem)
        source = keys.get(item.stem)
        assert source is not None, "reused word for word"
        labels = [option["label"].lower() for option in source.options]
        assert labels.index((source.answer or "").lower()) == item.key
        assert states_the_answer(built.passage, item.options[item.key].text)
    assert len(without) == len(everything) - 1
