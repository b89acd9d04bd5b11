"""Items built from the books' own glossaries: every one of the Python and statistics books'
definitions is tried, and what comes out must be a fair question whose answer its passage states.

No model here: the builders are pure functions (distractor nearness is given as the similarity the
retrieval would report; the graph's tests run them on the retrieval itself)."""

from collections import Counter
from pathlib import Path

import pytest

from agents.content.checks import Check, answerable_from
from agents.content.schemas import MultipleChoiceItem, ShortAnswerItem
from agents.content.structured import (
    BLANK,
    Definition,
    cloze_item,
    definition_item,
    distractors_for,
    keeps_the_question,
    mentions,
    states_the_answer,
)
from core.openstax.parser import parse_collection_dir
from core.words import content_words
from tests.openstax import BOOKS_DIR, PYTHON_BOOK, STATISTICS_BOOK

SYNONYM = 0.9


def glossary(book: str) -> list[Definition]:
    # The statistics bundle holds two books; its first collection is enough here.
    collection = parse_collection_dir(Path(BOOKS_DIR) / book)[0]
    return [
        Definition(term["term"], term["definition"], module.title, chapter.title, 0.5)
        for chapter in collection.chapters
        for module in chapter.modules
        for term in module.key_terms
        if term.get("definition")
    ]


@pytest.fixture(scope="module", params=[PYTHON_BOOK, STATISTICS_BOOK])
def definitions(request: pytest.FixtureRequest) -> list[Definition]:
    return glossary(request.param)


def test_most_definitions_become_fair_multiple_choice_items(
    definitions: list[Definition],
) -> None:
    built = [(d, definition_item(d, definitions, SYNONYM)) for d in definitions]
    items = [(key, b) for key, b in built if b is not None]
    assert len(items) >= 0.7 * len(definitions), f"{len(items)} of {len(definitions)}"
    by_term: dict[str, list[Definition]] = {}
    for definition in definitions:
        by_term.setdefault(definition.term, []).append(definition)
    for key, structured in items:
        item = structured.item
        assert isinstance(item, MultipleChoiceItem)
        assert item.options[item.key].text == key.term == structured.term
        assert not mentions(item.stem, key.term)
        texts = [option.text.lower() for option in item.options]
        assert len(set(texts)) == 4
        for index, option in enumerate(item.options):
            if index == item.key:
                continue
            # Never a synonym: no shared word, neither named in the other's definition.
            assert any(
                not content_words(other.term) & content_words(key.term)
                and not mentions(key.meaning, other.term)
                and not mentions(other.meaning, key.term)
                and option.rationale.startswith(f"Not this one. {other.term}")
                for other in by_term[option.text]
            ), (key, option)
        # The passage it was built from states the answer and holds the stem.
        assert answerable_from(structured.passage, item.stem, key.term).passed
    positions = Counter(s.item.key for _, s in items if isinstance(s.item, MultipleChoiceItem))
    assert set(positions) == {0, 1, 2, 3} and min(positions.values()) > len(items) / 8


def test_the_nearest_terms_of_the_key_s_chapter_come_first() -> None:
    key = Definition("variance", "the mean of the squared deviations from the mean", "L", "Ch2")
    candidates = [
        Definition("histogram", "a graph of bars showing frequencies", "L", "Ch2", 0.40),
        Definition("p-value", "the probability of a result at least as extreme", "L", "Ch9", 0.80),
        Definition(
            "quartile", "the numbers that separate the data into quarters", "L", "Ch2", 0.60
        ),
        Definition(
            "outlier", "an observation that does not fit the rest of the data", "L", "Ch2", 0.5
        ),
        Definition("sample variance", "the variance of a sample", "L", "Ch2", 0.95),
    ]
    chosen = distractors_for(key, candidates, 3, SYNONYM)
    assert [d.term for d in chosen] == ["quartile", "outlier", "histogram"]


def test_synonyms_of_the_key_are_never_distractors() -> None:
    average = Definition(
        "Average",
        "also called mean or arithmetic mean; a number that describes the central tendency",
        "Key terms",
        "Sampling and Data",
    )
    candidates = [
        Definition(
            "Mean", "a number that measures the central tendency", "L", "Sampling and Data", 0.8
        ),
        Definition(
            "Arithmetic Mean", "the sum divided by the count", "L", "Sampling and Data", 0.7
        ),
        Definition("Median", "the middle value of ordered data", "L", "Sampling and Data", 0.95),
        Definition("Mode", "the most frequent value", "L", "Sampling and Data", 0.6),
        Definition("Range", "the largest value minus the smallest", "L", "Sampling and Data", 0.5),
        Definition("Skew", "lack of symmetry of a distribution", "L", "Sampling and Data", 0.4),
    ]
    built = definition_item(average, candidates, SYNONYM)
    assert built is not None
    terms = {option.text for option in built.item.options}  # type: ignore[union-attr]
    # "Median" is nearest but too near (a synonym by similarity), the means are named synonyms.
    assert terms == {"Average", "Mode", "Range", "Skew"}


@pytest.mark.parametrize(
    "meaning",
    [
        "This is an example of a balanced design, because each factor has the same observations.",
        "The coefficient of multiple determination is given by the formula:",
        "a graph",  # too short to ask
    ],
)
def test_definitions_that_cannot_stand_alone_make_no_item(meaning: str) -> None:
    key = Definition("balanced design", meaning, "L", "Ch")
    others = [Definition(f"term {n}", f"meaning number {n} here", "L", "Ch", 0.5) for n in range(5)]
    assert definition_item(key, others, SYNONYM) is None


def test_too_few_fair_distractors_make_no_item() -> None:
    key = Definition("median", "the middle value of a data set in order", "L", "Ch")
    others = [Definition("mode", "the most frequent value", "L", "Ch", 0.5)]
    assert definition_item(key, others, SYNONYM) is None


def test_a_cloze_item_blanks_the_term_in_a_source_sentence() -> None:
    key = Definition("variable", "a name that refers to a value", "Variables", "Ch1")
    sources = [
        ("Loops", "A loop repeats code. It ends when its condition is false."),
        (
            "Variables",
            "Programs store values. A variable is created when a value is first assigned to it. "
            "Short.",
        ),
    ]
    built = cloze_item(key, sources)
    assert built is not None and isinstance(built.item, ShortAnswerItem)
    assert built.item.stem == (
        f"Fill in the blank: A {BLANK} is created when a value is first assigned to it."
    )
    assert built.item.model_answer == "variable" and built.source_title == "Variables"
    assert answerable_from(built.passage, built.item.stem, "variable").passed


def test_a_cloze_item_falls_back_to_a_definition_that_names_its_term() -> None:
    key = Definition("statement", "A statement describes some action to be carried out.", "I", "1")
    built = cloze_item(key, [("Other", "Nothing here uses the word at all, as it happens.")])
    assert built is not None
    assert (
        built.item.stem == f"Fill in the blank: A {BLANK} describes some action to be carried out."
    )
    assert cloze_item(Definition("loop", "repeats code", "L", "C"), []) is None


def test_an_answer_is_stated_only_when_all_its_words_are_there() -> None:
    passage = "Polymorphism: the concept of having many forms."
    assert states_the_answer(passage, "Polymorphism")
    assert not states_the_answer(passage, "Inheritance")
    assert not states_the_answer(passage, "the")  # nothing meaningful to find
    verdict = answerable_from(passage, "Which term means having many forms?", "Inheritance")
    assert verdict.check is Check.ANSWERABLE and not verdict.passed
    drifted = answerable_from(
        passage, "Which idea lets subclasses override methods?", "Polymorphism"
    )
    assert not drifted.passed and "does not" in drifted.reason


def test_a_rewording_that_gives_the_answer_away_or_changes_the_question_is_refused() -> None:
    built = 'Which term is described here: "the number of observations in a ____"?'
    assert keeps_the_question(built, "What do we call the count of observations in it?", "sample")
    # Seen from the bundled model: the stem reworded into the answer itself.
    assert not keeps_the_question(built, "sample-size", "sample size")
    assert not keeps_the_question(built, "Which term names a sample's observations?", "sample")
    assert not keeps_the_question(built, "What is a variable?", "sample")
    # Seen in the statistics job: stems reworded into titles, a question or a blank no more.
    committee = 'Which term is described here: "a committee that oversees research on people"?'
    title = "A Committee That Oversees Research On People"
    assert not keeps_the_question(committee, title, "Institutional Review Board")
    cloze = "Fill in the blank: The standard ____ has mean zero and standard deviation one."
    assert not keeps_the_question(cloze, "The Standard Distribution", "normal distribution")
    blank_kept = "The standard ____ has a mean of zero and a standard deviation of one."
    assert keeps_the_question(cloze, blank_kept, "normal distribution")
