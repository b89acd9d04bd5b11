"""A lesson composed from its sources' own sentences, then reworded by the writer where the
evidence still supports the rewording. The real part composes and rewords a statistics lesson
with the imported book, the evidence scorer and the bundled LLM."""

import numpy as np

from agents.content.brief import Brief, SourcePassage
from agents.content.checks import grounded
from agents.content.composition import (
    HEADING_CHARS,
    compose,
    copies,
    fits_as_rewording,
    heading_of,
    statements,
)
from agents.content.grounding import PARAGRAPH_CHARS, Outcome
from agents.content.readability import flesch_kincaid_grade
from agents.content.settings import ContentSettings
from agents.content.structured_calls import StructuredCalls
from core.infra.database import Database
from graphs.content_gen.composition import compose_lesson, reword_lesson
from graphs.content_gen.database_ports import DatabaseContentPorts
from rag.embeddings import Embedder
from rag.settings import RagSettings
from serving.client import LLMClient
from tests.fixtures.books import IngestedBook
from tests.fixtures.llm import LlmServer

MEDIAN = "The median is the middle value of the data when it is put in order."
MEAN = "The mean is the sum of the values divided by how many values there are."
HARD = (
    "Notwithstanding considerable heterogeneity, contemporaneous methodological "
    "considerations necessitate comprehensive reinterpretation of distributional characteristics."
)


def test_statements_are_the_sentences_a_lesson_can_state_as_they_stand() -> None:
    source = (
        "Which variables in this survey are discrete and which are continuous? "
        "*[Figure: A histogram of the heights of the students in one class.]* "
        "3; 14; 11; 5; 16; 17; 28; 41; 31. "
        "Too short to say much. "
        "Use the following information to answer the next two exercises. "
        "Suppose that a sample of ten students is drawn from the class. "
        "An unknown distribution has a mean of 90 and a standard deviation of 15. "
        "This tells us that most of the sums of the scores are no more than that. "
        "Using a subscript that matches the random variable, suppose: a. "
        "The sample mean `x̄ = Σx/n` is computed from all of the values. "
        "We estimate with ___% confidence that the true mean lies in the interval. "
        "*χ*<sup>2</sup> = (*Z*<sub>1</sub>)<sup>2</sup> + (*Z*<sub>2</sub>)<sup>2</sup> here. "
        f"{MEDIAN} "
        "**41**. You conduct a survey of the students in your class today. "
        f"{MEAN}"
    )
    assert statements(source) == [MEDIAN]
    # A figure's description, cut short by a shortened passage: none of it is a statement.
    cut_figure = f"{MEDIAN} *[Figure: The peak of the curve is at 225. A point k is to its right."
    assert statements(cut_figure) == [MEDIAN]
    cut = "The middle one is called **the median.** Half the data lies below the median. And"
    assert statements(cut) == [
        "The middle one is called **the median.**",
        "Half the data lies below the median.",
    ], "bold closed where a split cut it; a sentence cut short left out"


def test_an_objective_becomes_a_heading_without_its_end_mark() -> None:
    assert heading_of("Define the median of a data set.") == "Define the median of a data set"
    long = "Explain " + "why the values in the middle of ordered data matter " * 3
    heading = heading_of(long)
    assert len(heading) <= HEADING_CHARS and heading.endswith("…")
    assert long.startswith(heading.removesuffix("…"))


def test_each_objective_gets_its_nearest_source_s_sentences_none_twice() -> None:
    sources = [[MEDIAN, "Half of the values lie below the median of the data."], [MEAN]]
    # objectives × the three statements, in source order.
    closeness = np.array([[0.9, 0.7, 0.1], [0.8, 0.75, 0.6]])
    lesson = compose(["Define the median.", "Define the mean."], sources, closeness, None, 0.5)
    assert lesson is not None
    first, second = lesson.sections
    assert first.heading == "Define the median"
    assert [(p.source, p.text) for p in first.paragraphs] == [(1, " ".join(sources[0]))]
    # The median's sentences are taken: the mean's section gets its own source only.
    assert [(p.source, p.text) for p in second.paragraphs] == [(2, MEAN)]


def test_a_second_paragraph_needs_a_source_close_enough() -> None:
    sources = [[MEDIAN], [MEAN]]
    near, far = np.array([[0.9, 0.6]]), np.array([[0.9, 0.3]])
    both = compose(["Describe the center."], sources, near, None, 0.5)
    assert both is not None and [p.source for p in both.sections[0].paragraphs] == [1, 2]
    one = compose(["Describe the center."], sources, far, None, 0.5)
    assert one is not None and [p.source for p in one.sections[0].paragraphs] == [1]
    assert compose(["Describe the center."], [[], []], np.zeros((1, 0)), None, 0.5) is None


def test_the_reader_s_grade_picks_the_sentences() -> None:
    sources = [[HARD, MEDIAN]]
    closeness = np.array([[0.9, 0.5]])
    assert flesch_kincaid_grade(HARD) > 11 >= flesch_kincaid_grade(MEDIAN)
    lesson = compose(["Define the median."], sources, closeness, 11.0, 0.5)
    assert lesson is not None and lesson.sections[0].paragraphs[0].text == MEDIAN


def test_a_rewording_that_keeps_the_source_s_words_is_a_copy() -> None:
    assert copies(MEDIAN, MEDIAN)
    assert copies(MEDIAN.replace("middle", "central"), MEDIAN)
    assert not copies("Put the data in order; the median is the value in the middle.", MEDIAN)


def test_a_rewording_fits_when_it_is_prose_that_keeps_the_paragraph_s_terms() -> None:
    quoted = "The **median** is the middle value of the data when it is put in order."
    plain = "Put the data in order. The median is the value in the middle of it."
    assert fits_as_rewording(plain, quoted)
    assert not fits_as_rewording(quoted, quoted), "the quotation again"
    assert not fits_as_rewording("Put the data in order and take the middle one.", quoted), (
        "drops the bold term"
    )
    assert not fits_as_rewording("The median is the middle.", quoted), "too short for its facts"
    assert not fits_as_rewording("one [simple] median graph[/textrf] in the middle", quoted)
    assert not fits_as_rewording("two-sample t*test;Student**z median;Samples;", quoted)
    assert not fits_as_rewording(f"{plain} {HARD}", quoted), "reads harder"


async def test_a_statistics_lesson_is_composed_from_the_book_and_reworded_where_supported(
    statistics_book: IngestedBook, llm_server: LlmServer
) -> None:
    database = Database(statistics_book.database_url, pool_size=2)
    llm = LLMClient(llm_server.base_url, llm_server.model)
    settings = ContentSettings()
    try:
        ports = DatabaseContentPorts(database, Embedder.from_settings(RagSettings()), RagSettings())
        course, topic = statistics_book.course_id, "Measures of the center of the data"
        passages = await ports.sources(course, topic, settings.sources)
        sources = [p.text for p in passages]
        objectives = ["Define the median of a data set.", "Explain how the mean is computed."]
        composed = await compose_lesson(ports, settings, objectives, sources, 11.0)
        assert composed is not None
        lesson, found = composed
        # Every paragraph is its cited source's own sentences, quoted.
        for paragraph in (p for s in lesson.sections for p in s.paragraphs):
            cited = " ".join(sources[paragraph.source - 1].split())
            assert all(sentence in cited for sentence in statements(paragraph.text))
            assert len(paragraph.text) <= PARAGRAPH_CHARS
        assert {f.outcome for f in found} == {Outcome.QUOTED}
        assert [s.heading for s in lesson.sections] == [heading_of(o) for o in objectives]

        brief = Brief(
            "Introductory Statistics",
            8.0,
            topic,
            tuple(SourcePassage(n, p.title, p.text) for n, p in enumerate(passages, start=1)),
        )
        calls = StructuredCalls(llm, attempts=2, temperature=0.3)
        reworded, now = await reword_lesson(
            ports, calls, settings, brief, sources, course, (lesson, found)
        )
    finally:
        await llm.close()
        await database.close()
    assert calls.calls == len(found), "one rewording asked per quoted paragraph"
    outcomes = [f.outcome for f in now]
    print(f"\ncomposed lesson: {len(found)} paragraphs, after rewording: {outcomes}")
    for grounding in now:
        before = lesson.sections[grounding.section].paragraphs[grounding.paragraph]
        after = reworded.sections[grounding.section].paragraphs[grounding.paragraph]
        assert after.source == before.source
        if grounding.outcome is Outcome.REWORDED:
            # The writer's words, which its source supports and which fit the paragraph.
            assert grounding.support >= settings.lesson_support
            assert fits_as_rewording(after.text, before.text)
        else:
            assert grounding.outcome is Outcome.QUOTED and after == before
    verdict = grounded(reworded, len(sources), True, now, settings.lesson_max_replaced)
    assert verdict.passed, verdict.reason
