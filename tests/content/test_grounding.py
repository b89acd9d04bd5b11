"""A generated lesson held to its sources: the evidence, not the writer's numbering, decides
which source a paragraph cites, and a paragraph no source supports is replaced by its source's
own sentences. The real part runs the evidence scorer over the imported statistics book."""

import numpy as np
import pytest

from agents.content.checks import grounded
from agents.content.grounding import (
    PARAGRAPH_CHARS,
    Outcome,
    ParagraphGrounding,
    nearest_sentences,
    resting_source,
    source_sentences,
)
from agents.content.schemas import LessonDraft, LessonSection, Paragraph
from agents.content.settings import ContentSettings
from core.infra.database import Database
from core.words import content_words
from graphs.content_gen.database_ports import DatabaseContentPorts
from graphs.content_gen.grounding import ground_lesson
from rag.embeddings import Embedder
from rag.evidence import Attribution, claims_of
from rag.settings import RagSettings
from tests.fixtures.books import IngestedBook

FALSE_CLAIM = (
    "Photosynthesis turns sunlight into sugar inside the chloroplasts of green leaves, "
    "which is why plants grow towards windows."
)


def weighed(*outcomes: Outcome) -> list[ParagraphGrounding]:
    return [
        ParagraphGrounding(section=0, paragraph=i, source=1, support=0.7, outcome=o)
        for i, o in enumerate(outcomes)
    ]


def lesson_citing(source: int) -> LessonDraft:
    text = "The median is the middle value of ordered data, and half of the values lie below it."
    return LessonDraft(
        sections=[LessonSection(heading="Center", paragraphs=[Paragraph(text=text, source=source)])]
    )


def test_a_paragraph_rests_on_the_passage_most_of_its_claims_rest_on() -> None:
    found = [
        Attribution("a", 2, 1.0, 0.9),
        Attribution("b", 0, 0.6, 0.3),
        Attribution("c", 2, 0.8, 0.6),
    ]
    assert resting_source(found) == (2, (0.9 + 0.3 + 0.6) / 3)
    assert resting_source([Attribution("a", -1, 0.0, 0.0)]) == (-1, 0.0)


def test_the_nearest_sentences_fill_a_paragraph_in_the_source_s_order() -> None:
    source = (
        "The mean is the average. The median is the middle value of ordered data. "
        "> A mode is the most frequent value. Statistics is a science …"
    )
    sentences = source_sentences(source)
    assert sentences == [
        "The mean is the average.",
        "The median is the middle value of ordered data.",
        "A mode is the most frequent value.",
        "Statistics is a science",
    ]
    text = nearest_sentences(sentences, np.array([0.1, 0.9, 0.5, 0.2]))
    assert text == " ".join(sentences)  # all fit, in order
    long = ["word " * 70 + "end.", "Short one here.", "word " * 40 + "end."]
    chosen = nearest_sentences(long, np.array([0.9, 0.1, 0.5]))
    assert chosen == "Short one here. " + long[2]
    only = nearest_sentences(["word " * 100 + "end."], np.array([0.5]))
    assert len(only) <= PARAGRAPH_CHARS and only.endswith(" …")


def test_a_replacement_takes_the_sentences_its_reader_can_read() -> None:
    hard = (
        "Heteroscedasticity complicates inferential procedures predicated upon homogeneous "
        "variance assumptions."
    )
    easy = "The spread of the data is not the same in every group."
    closeness = np.array([0.9, 0.6])
    assert nearest_sentences([hard, easy], closeness) == f"{hard} {easy}"
    assert nearest_sentences([hard, easy], closeness, max_grade=11.0) == easy
    # When no sentence is easy enough, the nearest ones still stand.
    assert nearest_sentences([hard], np.array([0.9]), max_grade=2.0) == hard


def test_the_grounded_check_weighs_what_the_evidence_found() -> None:
    lesson = lesson_citing(1)
    assert grounded(lesson, 2, True).reason == "every claim cites a source"
    assert not grounded(lesson_citing(0), 2, True).passed
    once = weighed(Outcome.KEPT, Outcome.RECITED, Outcome.REPLACED)
    kept = grounded(lesson, 2, True, once, 0.5)
    assert kept.passed and "1 replaced" in kept.reason and kept.score == pytest.approx(0.7)
    twice = weighed(Outcome.REPLACED, Outcome.REPLACED, Outcome.KEPT)
    assert grounded(lesson, 2, True, twice, 0.7).passed
    mostly = grounded(lesson, 2, True, twice, 0.5)
    assert not mostly.passed and "not supported as written" in mostly.reason
    assert not grounded(lesson, 2, True, weighed(Outcome.UNWEIGHED)).passed
    assert grounded(lesson, 0, False, weighed(Outcome.REPLACED)).passed


async def test_the_evidence_cites_supported_paragraphs_and_replaces_unsupported_ones(
    statistics_book: IngestedBook,
) -> None:
    database = Database(statistics_book.database_url, pool_size=2)
    try:
        ports = DatabaseContentPorts(database, Embedder.from_settings(RagSettings()), RagSettings())
        course = statistics_book.course_id
        topic = "Measures of the center of the data"
        passages = await ports.sources(course, topic, 4)
        sources = [p.text for p in passages]
        assert len(sources) == 4
        # The second source's own sentences, cited as the first: supported, re-cited.
        borrowed = " ".join(claims_of(sources[1])[:2])
        lesson = LessonDraft(
            sections=[
                LessonSection(
                    heading="The center",
                    paragraphs=[
                        Paragraph(text=borrowed[:PARAGRAPH_CHARS], source=1),
                        Paragraph(text="Now look closer at it.", source=0),
                    ],
                ),
                LessonSection(heading="Why", paragraphs=[Paragraph(text=FALSE_CLAIM, source=2)]),
            ]
        )
        result, found = await ground_lesson(
            ports, ContentSettings(), course, topic, lesson, sources
        )
    finally:
        await database.close()
    by_place = {(f.section, f.paragraph): f for f in found}
    assert set(by_place) == {(0, 0), (1, 0)}, "the short transition needs no source"
    supported = by_place[(0, 0)]
    assert (supported.outcome, supported.source) == (Outcome.RECITED, 2), supported
    assert result.sections[0].paragraphs[0].source == 2
    assert result.sections[0].paragraphs[1].text == "Now look closer at it."
    unsupported = by_place[(1, 0)]
    assert unsupported.outcome is Outcome.REPLACED, unsupported
    assert unsupported.support < supported.support
    replaced = result.sections[1].paragraphs[0]
    assert replaced.source == unsupported.source
    quoted = sources[replaced.source - 1]
    # In the book's words: nothing of the false claim, nothing the source does not say.
    assert content_words(replaced.text) <= content_words(quoted), (replaced.text, quoted)
    assert not content_words(replaced.text) & {"photosynthesis", "chloroplasts", "windows"}
    verdict = grounded(result, len(sources), True, found, ContentSettings().lesson_max_replaced)
    assert verdict.passed, verdict.reason
