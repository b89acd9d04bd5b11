"""The model-free quality checks and the reading-level formula."""

from agents.content import checks, writer
from agents.content.brief import Brief, SourcePassage
from agents.content.readability import flesch_kincaid_grade, syllables
from agents.content.schemas import (
    ChoiceOption,
    CriticVerdict,
    LessonDraft,
    LessonSection,
    MultipleChoiceItem,
    Paragraph,
)


def _item(*texts: str, key: int = 0) -> MultipleChoiceItem:
    return MultipleChoiceItem(
        stem="Which value is the median of 1, 3, 9?",
        options=[ChoiceOption(text=t, rationale="because") for t in texts],
        key=key,
    )


def test_distractors_must_differ_and_be_wrong() -> None:
    good = _item("3", "1", "9", "13")
    assert checks.distractors(good, None).passed
    same = _item("the middle value", "The middle value.", "9", "13")
    assert "options 0 and 1" in checks.distractors(same, None).reason
    critic = CriticVerdict(key_supported=True, other_correct_options=[2, 0], reason="9 works")
    verdict = checks.distractors(good, critic)
    assert not verdict.passed and "[2]" in verdict.reason


def test_answerable_needs_evidence_and_the_critic() -> None:
    agree = CriticVerdict(key_supported=True, other_correct_options=[], reason="stated in §1")
    assert checks.answerable(agree, 0.6, 0.25).passed
    assert not checks.answerable(agree, 0.1, 0.25).passed
    assert not checks.answerable(None, 0.9, 0.25).passed
    disagree = agree.model_copy(update={"key_supported": False})
    assert not checks.answerable(disagree, 0.9, 0.25).passed


def test_coverage_duplicates_and_banned_content() -> None:
    assert checks.objective_coverage(2, [0, 1]).passed
    assert checks.objective_coverage(3, [0]).reason == "objectives [1, 2] have no item"
    assert checks.not_duplicate(0.5, 0.92).passed
    assert not checks.not_duplicate(0.95, 0.92).passed
    assert checks.banned_content(["The mean of 2 and 4 is 3."]).passed
    verdict = checks.banned_content(["Write to jane.doe@example.org for the answers."])
    assert not verdict.passed and "personal_data" in verdict.reason


def test_grounding_requires_a_source_on_every_claim() -> None:
    claim = "The median is the middle value of a sorted data set of numbers in a list."
    lesson = LessonDraft(
        sections=[
            LessonSection(
                heading="Median",
                paragraphs=[Paragraph(text=claim, source=1), Paragraph(text=claim, source=0)],
            )
        ]
    )
    assert checks.grounded(lesson, sources=0, required=False).passed
    verdict = checks.grounded(lesson, sources=2, required=True)
    assert not verdict.passed and "0.1" in verdict.reason


def test_reading_level() -> None:
    assert syllables("table") == 2 and syllables("statistics") == 3
    easy = "The cat sat. The dog ran. We like the sun."
    hard = (
        "Heteroscedasticity complicates inferential procedures predicated upon homogeneous "
        "variance assumptions, necessitating robust alternatives."
    )
    assert flesch_kincaid_grade(easy) < 3 < 14 < flesch_kincaid_grade(hard)
    assert checks.reading_level(easy, 2.0, 3.0).passed
    assert not checks.reading_level(hard, 8.0, 3.0).passed


def test_a_lesson_s_reading_level_is_its_prose_s() -> None:
    body = "The mean is the sum of the values divided by how many there are. It moves."
    lesson = LessonDraft(
        sections=[
            LessonSection(
                heading="Measures of the center", paragraphs=[Paragraph(text=body, source=1)]
            )
        ]
    )
    brief = Brief("Statistics", 8.0, "The mean", (SourcePassage(1, "Measures of the Center", ""),))
    markdown = writer.lesson_markdown(lesson, brief)
    prose = writer.lesson_prose(lesson)
    assert prose == body and "Measures" in markdown
    # The heading and the sources list end no sentence: in the Markdown they lengthen the last.
    assert flesch_kincaid_grade(prose) + 2 < flesch_kincaid_grade(markdown)
