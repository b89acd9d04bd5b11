"""Hints a learner can use: the writer's kept only when they are sentences about the question that
keep its answer back, the ladder completed from the material, and the check that reads them.
The refused hints are the bundled writer's own, from the statistics job of 2026-12-04."""

from dataclasses import replace

from agents.content import checks
from agents.content.hints import (
    BLANK,
    HINTS_PER_ITEM,
    HintContext,
    hint_ladder,
    usable,
)

CLOZE = HintContext(
    stem="Fill in the blank: The ____ is a normal distribution of standardized values called "
    "z-scores.",
    answer="standard normal distribution",
    objective="Define standard normal distribution.",
    passage=(
        "The **standard normal distribution** is a normal distribution of **standardized values "
        "called** ***z*-scores**. A *z*-score is measured in units of the standard deviation. "
        "The standard normal distribution has a mean of zero and a standard deviation of one."
    ),
    lesson_title="The Standard Normal Distribution",
)
WRITERS_HINTS = [
    "./nonspecific",
    "}{3}",
    ".-n",
    "{(1)} to {4} ({5})",
    "noframe_hint1:",
    ".+dzmjrwkfvhgxpqyb14i5c39l76uMZLJRKYAQSGXVNUHBWFBAEIoDtPALCABTMDOaAMTYNAAAAgAD",
    "}] I'm not sure how to add an item here? Please make it more clear what you're asking!",
    "The key to answering these types of questions lies not just in what you have.",
]


def test_the_writers_junk_is_refused() -> None:
    assert [hint for hint in WRITERS_HINTS if usable(hint, CLOZE)] == []


def test_a_hint_about_the_question_that_keeps_the_answer_back_is_kept() -> None:
    assert usable("Think about what a z-score measures: distances in standard deviations.", CLOZE)
    # About something else: no word of the question, its passage or objective.
    assert not usable("Remember to check your spelling before you hand it in.", CLOZE)
    # Gives the answer away.
    assert not usable("It is the standard normal distribution, of course.", CLOZE)


def test_the_ladder_runs_from_where_to_look_to_the_answers_shape() -> None:
    ladder = hint_ladder(WRITERS_HINTS, CLOZE)
    assert len(ladder) == HINTS_PER_ITEM
    where, second, shape = ladder
    # The lesson's title names the answer, so the first rung does not quote it.
    assert "Standard Normal" not in where and where.startswith("Reread")
    assert BLANK in second and "mean of zero" in second and "*" not in second
    assert shape == "The answer is 3 words long and begins with “s”."
    assert checks.hints(ladder, CLOZE.answer).passed


def test_a_usable_written_hint_takes_the_second_rung() -> None:
    written = ["Think about what a z-score measures: distances in standard deviations."]
    context = HintContext(
        stem=CLOZE.stem,
        answer=CLOZE.answer,
        objective=CLOZE.objective,
        passage=CLOZE.passage,
        lesson_title="Normal Distributions",
    )
    ladder = hint_ladder(written, context)
    assert ladder[0] == "Reread “Normal Distributions”: the answer is stated there."
    assert ladder[1] == written[0]


def test_a_computation_gets_the_method_instead_of_a_shape() -> None:
    numeric = HintContext(
        stem="What is the mean of 2, 4 and 6?",
        answer="4",
        objective="Compute a mean.",
        numeric=True,
    )
    where, how = hint_ladder(["}{3}"], numeric)
    assert how == (
        "Write down the values the question gives, then work through the method of "
        "“Compute a mean” one step at a time."
    )
    assert checks.hints([where, how], numeric.answer).passed
    verdict = checks.hints([where], numeric.answer)
    assert not verdict.passed and "1 hints of the 2 needed" in verdict.reason


def test_the_check_names_junk_and_leaks() -> None:
    verdict = checks.hints(
        ["}{3}", "The answer is the standard normal distribution."], CLOZE.answer
    )
    assert not verdict.passed
    assert "1 not a readable sentence" in verdict.reason
    assert "1 giving the answer away" in verdict.reason


def test_rungs_the_material_cannot_make_readable_are_left_out() -> None:
    code = HintContext(
        stem="Fill in the blank: The ____ function displays a value.",
        answer="print",
        objective="Use print.",
        passage="The print function displays a value. Write x = 5 and then print(x) to see it.",
        lesson_title="The `print` function",
    )
    ladder = hint_ladder([], code)
    # The title names the answer, and the passage's other sentence is code.
    assert ladder == [
        "Reread the passage of your lesson that this question comes from: it states the answer.",
        "The answer is 1 word long and begins with “p”.",
    ]
    assert checks.hints(ladder, code.answer).passed


def test_a_title_that_says_nothing_is_not_where_to_look() -> None:
    context = HintContext(
        stem=CLOZE.stem,
        answer=CLOZE.answer,
        objective=CLOZE.objective,
        lesson_title="Introduction",
    )
    assert hint_ladder([], context)[0].startswith("Reread the passage of your lesson")


def test_a_multiple_choice_item_gets_two_hints_whatever_its_key_says() -> None:
    # A 20-topic job stored an item with the stem ", " and one hint; its key was not logged.
    junk = HintContext(stem=", ", answer=". .", objective="Use functions.", multiple_choice=True)
    ladder = hint_ladder(WRITERS_HINTS, junk)
    assert ladder == [
        "Reread the passage of your lesson that this question comes from: it states the answer.",
        "Check each option against the passage and rule out the ones it contradicts.",
    ]
    assert checks.hints(ladder, junk.answer).passed
    # Without the elimination rung, one hint: the answer's shape needs a letter or digit.
    assert len(hint_ladder(WRITERS_HINTS, replace(junk, multiple_choice=False))) == 1


def test_a_multiple_choice_item_rules_options_out_before_the_answers_shape() -> None:
    ladder = hint_ladder(WRITERS_HINTS, replace(CLOZE, multiple_choice=True))
    assert ladder[-1].startswith("Check each option") and len(ladder) == HINTS_PER_ITEM
