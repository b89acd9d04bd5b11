"""A topic given no objectives takes the ones the book states nearest to it, then the definition
of its nearest defined terms: on the imported statistics book, whose chapter introductions state
learning objectives ("By the end of this chapter, the student should be able to: …")."""

from agents.content.schemas import OBJECTIVES_PROPOSED, BloomLevel
from agents.content.settings import ContentSettings
from core.infra.database import Database
from graphs.content_gen.database_ports import DatabaseContentPorts
from graphs.content_gen.structure import objectives_from_structure
from rag.embeddings import Embedder
from rag.settings import RagSettings
from tests.fixtures.books import IngestedBook


async def test_the_book_s_objectives_come_first_then_its_defined_terms(
    statistics_book: IngestedBook,
) -> None:
    database = Database(statistics_book.database_url, pool_size=2)
    settings = ContentSettings()
    try:
        ports = DatabaseContentPorts(database, Embedder.from_settings(RagSettings()), RagSettings())
        course = statistics_book.course_id
        stated = await ports.book_objectives(course, "The Central Limit Theorem for Sums", 3)
        sums = await objectives_from_structure(
            ports, settings, course, "The Central Limit Theorem for Sums"
        )
        # No stated objective is that near sampling with replacement: its defined terms are.
        terms = await objectives_from_structure(
            ports, settings, course, "Sampling with replacement"
        )
        neither = await objectives_from_structure(
            ports, settings, course, "Medieval castle architecture"
        )
    finally:
        await database.close()
    assert (
        stated[0]
        == (
            "Apply and interpret the central limit theorem for sums.",
            stated[0][1],
        )
        and stated[0][1] >= settings.objective_similarity
    ), stated
    assert [s for _, s in stated] == sorted((s for _, s in stated), reverse=True)
    assert len(sums) == OBJECTIVES_PROPOSED
    assert sums[0].text == "Apply and interpret the central limit theorem for sums."
    assert sums[0].bloom_level is BloomLevel.APPLY
    print(f"\nobjectives: {[o.text for o in sums]} / {[o.text for o in terms]}")
    assert terms and all(o.text.startswith("Define ") for o in terms)
    assert "replacement" in terms[0].text.lower()
    assert all(o.bloom_level is BloomLevel.REMEMBER for o in terms)
    assert len({o.text for o in terms}) == len(terms)
    assert neither == [], "nothing of the book is near: the writer proposes"
