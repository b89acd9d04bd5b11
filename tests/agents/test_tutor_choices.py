"""Multiple-choice exercises in Socratic mode: options parsed from a message, and the rule that
the tutor asserts none of them (by letter, by text, or by a letter written as an answer)."""

import uuid

import pytest

from agents.tutor.answers import FinalAnswer, LeakGuard, restates
from agents.tutor.choices import Choice, ForbiddenChoices, choices_of, parse_choices
from agents.tutor.citations import Source
from agents.tutor.policy import guiding_question

SUPPLY = "Humans have the most urgent need for a continuous supply of ________."
SUPPLY_OPTIONS = [
    {"label": "a", "text": "food"},
    {"label": "b", "text": "nitrogen"},
    {"label": "c", "text": "oxygen"},
    {"label": "d", "text": "water"},
]
DIVISIONS = "Which division of the nervous system slows the heart at rest?"
DIVISION_OPTIONS = [
    Choice("a", "the sympathetic division"),
    Choice("b", "the parasympathetic division"),
    Choice("c", "the somatic division"),
    Choice("d", "none of the above"),
]


@pytest.mark.parametrize(
    "message",
    [
        f"{SUPPLY}\na) food\nb) nitrogen\nc) oxygen\nd) water",
        f"{SUPPLY} A. food B. nitrogen C. oxygen D. water",
        f"{SUPPLY}\n(a) food;\n(b) nitrogen;\n(c) oxygen; or\n(d) water",
        f"{SUPPLY} a. food, b. nitrogen, c. oxygen, or d. water\nThanks!",
    ],
)
def test_options_written_in_a_message_are_parsed(message: str) -> None:
    stem, choices = parse_choices(message)
    assert stem == SUPPLY
    assert choices == choices_of(SUPPLY_OPTIONS)


@pytest.mark.parametrize(
    "message",
    [
        "What is 1,200 / 150?",
        "Is vitamin A. a fat-soluble vitamin?",  # one marker-like letter is not a list
        "Compare b) and a) in the figure.",  # letters out of order
    ],
)
def test_a_message_without_a_list_of_options_has_none(message: str) -> None:
    assert parse_choices(message) == (message, [])


@pytest.mark.parametrize(
    "text",
    [
        "The answer is C.",
        "I think the answer is (c).",
        "c) oxygen",
        "C. Think about it.",
        "Option C is the one.",
        "I'd go with **C**.",
        "C is correct because you breathe it.",
        "We cannot live without oxygen for long.",  # a distinctive option's text, anywhere
        "Water is the answer here.",
        "the answer is a.",
    ],
)
def test_every_option_is_forbidden_in_every_answer_form(text: str) -> None:
    final = FinalAnswer.of_exercise(SUPPLY, "c", "C", choices_of(SUPPLY_OPTIONS))
    assert final.found_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "What do your cells use to release energy from glucose? Look at [2].",
        "The answer is a gas that you breathe in: which one is it?",  # "a" is an article here
        "A cell needs energy all the time. Vitamin C is in fruit.",
        "Which supply could you go without for only a few minutes?",
    ],
)
def test_a_guiding_answer_is_not_a_leak(text: str) -> None:
    final = FinalAnswer.of_exercise(SUPPLY, "c", "C", choices_of(SUPPLY_OPTIONS))
    assert not final.found_in(text)


def test_options_are_named_by_their_own_words_not_by_the_question_or_shared_ones() -> None:
    forbidden = ForbiddenChoices.of(DIVISION_OPTIONS, DIVISIONS)
    assert forbidden.found_in("The parasympathetic one slows it down.")
    assert forbidden.found_in("Sympathetic nerves speed it up.")
    # "division" is in the question and in every option; "none of the above" is too common to
    # forbid in a sentence: it is forbidden only when written as the answer.
    assert not forbidden.found_in("Each division of the nervous system has its own job.")
    assert not forbidden.found_in("None of the above sources say more; which part rests you?")
    assert forbidden.found_in("The answer is none of the above.")


def test_short_options_are_forbidden_only_as_the_answer() -> None:
    stem, choices = parse_choices("Is the heart a muscle? (a) yes (b) no")
    forbidden = ForbiddenChoices.of(choices, stem)
    assert not forbidden.found_in("Yes, good question: what is the heart's wall made of?")
    assert forbidden.found_in("The answer is yes.")
    assert forbidden.found_in("No is correct.")


def test_the_leak_guard_cuts_the_stream_at_the_first_option() -> None:
    guard = LeakGuard(FinalAnswer.of_exercise(SUPPLY, "c", "C", choices_of(SUPPLY_OPTIONS)))
    shown = [guard.feed(p) for p in ("Think of ", "breathing. The ", "answer is C) ", "oxygen.")]
    assert "".join(shown) == "Think of breathing. The "
    assert guard.leaked and guard.flush() == ""


def _source(text: str, title: str = "Requirements for Human Life") -> Source:
    return Source(
        number=3,
        chunk_id=uuid.uuid4(),
        lesson_id=uuid.uuid4(),
        lesson_title=title,
        chapter_title="Body",
        source_module="m1",
        kind="text",
        similarity=0.7,
        text=text,
    )


def test_the_guiding_question_quotes_the_passage_without_naming_an_option() -> None:
    final = FinalAnswer.of_exercise(SUPPLY, "c", "C", choices_of(SUPPLY_OPTIONS))
    passage = _source(
        "Atmospheric air is only about 20 percent oxygen. Humans need a continuous supply of "
        "it, because the body cannot store this gas for later use. Cells use it to release "
        "energy from nutrients."
    )
    question = guiding_question(passage, SUPPLY, final.found_in)
    assert "[3] Requirements for Human Life" in question and question.endswith("?")
    assert '"Humans need a continuous supply of it' in question  # quoted from the passage
    assert not final.found_in(question)


def test_a_title_that_names_an_option_is_left_out_of_the_guiding_question() -> None:
    final = FinalAnswer.of_exercise(SUPPLY, "c", "C", choices_of(SUPPLY_OPTIONS))
    passage = _source("Oxygen is needed all the time.", title="Oxygen and the body")
    question = guiding_question(passage, SUPPLY, final.found_in)
    assert "source [3]" in question and "?" in question
    assert not final.found_in(question)


def test_a_paraphrase_or_one_part_of_an_option_names_it() -> None:
    stem, choices = parse_choices(
        "What does the sensor of a control loop do?\n"
        "a) it monitors a value and reports changes\nb) it produces the response\n"
        "c) it stores energy\nd) it removes waste"
    )
    forbidden = ForbiddenChoices.of(choices, stem)
    assert forbidden.found_in(
        "The sensor is monitoring the value all the time. Each change is reported on."
    )
    stem, choices = parse_choices(
        "Which gland makes which hormone? (a) thyroid; insulin (b) pancreas; insulin "
        "(c) pancreas; thyroxine (d) thyroid; thyroxine"
    )
    forbidden = ForbiddenChoices.of(choices, stem)
    assert forbidden.found_in("The thyroid is the gland to think of.")
    assert not forbidden.found_in("Which gland sits in your neck?")


def test_a_pasted_exercise_question_is_recognised_without_its_options() -> None:
    assert restates(f"Can you help? {SUPPLY} I'm stuck.", SUPPLY)
    assert not restates("What do humans need a supply of?", SUPPLY)
    assert restates("Bedsores ________.", "Bedsores ________.")  # short: said exactly
    assert not restates("Bedsores hurt, what are they?", "Bedsores ________.")
