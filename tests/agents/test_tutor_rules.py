"""The tutor's pure rules: final-answer detection, the streaming leak guard, the safety screen
and citations."""

import uuid

import pytest

from agents.tutor.answers import FinalAnswer, LeakGuard
from agents.tutor.citations import Source, cite, sources_line, strip_unknown_markers
from agents.tutor.moderation import SafetyCategory, screen

POND = "A pond holds 1,200 liters and loses 150 liters a day. How many days until it is empty?"


def test_final_answer_is_the_key_and_the_new_numbers_of_the_solution() -> None:
    final = FinalAnswer.of_exercise(POND, "8", "Divide: 1,200 / 150 = 8 days, in 2 steps.")
    assert final.numbers == {"8"}  # the prompt's numbers and a small "2" of the steps are free
    assert final.found_in("It is empty after 8 days.")
    assert final.found_in("eight? no: 8.0 days")
    assert not final.found_in("Divide 1,200 by 150 and look at [1] for the method.")


def test_a_statistics_solution_forbids_its_results_not_its_citations() -> None:
    final = FinalAnswer.of_exercise(
        "Of 500 adults, 189 would buy an electric car. Estimate the proportion.",
        None,
        "p' = 189/500 = 0.378; 1 \u2212 p' = 0.622",
    )
    assert final.numbers == {"0.378", "0.622"}
    assert not final.found_in("Start from the sample [1]: what is x and what is n?")
    assert final.found_in("The estimate is 0.378.")


def test_short_key_phrases_are_forbidden_words() -> None:
    final = FinalAnswer.of_exercise("Which gas do plants release?", "Oxygen", "Oxygen, O2.")
    assert final.found_in("They release oxygen.")
    assert not final.found_in("They release a gas; which one do you breathe?")
    assert not FinalAnswer.of_exercise("Pick one.", "b", "(b) is right.").phrases


def test_exercises_asking_the_same_question_keep_all_their_answers() -> None:
    asked = "What is the p-value?"
    first = FinalAnswer.of_exercise(asked, None, "p-value = 0.0234, so reject the null.")
    second = FinalAnswer.of_exercise(asked, "0.41", "The p-value is 0.41.")
    third = FinalAnswer.of_exercise(asked, "no change", "The mean is 12.5, the p-value 0.2.")
    both = first.also_forbidding([second, third], given=f"{asked} Mine says 12.5 is the mean.")
    assert both.found_in("it is 0.0234") and both.found_in("it is 0.41")
    assert both.found_in("There is no change.") and both.found_in("0.2 it is")
    assert not both.found_in("The mean is 12.5.")  # the learner's message gives it
    assert first.also_forbidding([], given=asked) is first


def test_leak_guard_releases_whole_words_and_stops_at_the_answer() -> None:
    guard = LeakGuard(FinalAnswer(frozenset({"8"})))
    shown = [guard.feed(piece) for piece in ("Divi", "de the vol", "ume: it takes 8", " days")]
    assert shown == ["", "Divide the ", "volume: it takes ", ""]
    assert guard.leaked and guard.flush() == ""
    assert "8" not in guard.released


def test_leak_guard_without_an_answer_shows_every_piece_as_it_comes() -> None:
    guard = LeakGuard(FinalAnswer())
    assert [guard.feed(piece) for piece in ("It", " is 8 da", "ys")] == ["It", " is 8 da", "ys"]
    assert guard.flush() == "" and guard.released == "It is 8 days" and not guard.leaked


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("sometimes I want to die", SafetyCategory.SELF_HARM),
        ("I keep thinking about hurting myself", SafetyCategory.SELF_HARM),
        ("I wish I could disappear forever", None),  # a paraphrase the rules miss (known limit)
        ("my stepdad hits me when I get bad grades", SafetyCategory.ABUSE),
        ("my phone number is 555 123 4567", SafetyCategory.PERSONAL_DATA),
        ("write to me at kid@example.org", SafetyCategory.PERSONAL_DATA),
        ("how does a cell die in apoptosis?", None),
        ("why do volcanoes erupt?", None),
    ],
)
def test_safety_screen(message: str, category: SafetyCategory | None) -> None:
    assert screen(message) is category


def _source(number: int, lesson: uuid.UUID, title: str) -> Source:
    return Source(
        number=number,
        chunk_id=uuid.uuid4(),
        lesson_id=lesson,
        lesson_title=title,
        chapter_title="Water",
        source_module=None,
        kind="text",
        similarity=0.8,
        text="...",
    )


def test_citations_follow_markers_then_fall_back_to_the_top_sources() -> None:
    clouds, rain = uuid.uuid4(), uuid.uuid4()
    sources = [_source(1, clouds, "Clouds"), _source(2, rain, "Rain"), _source(3, clouds, "Clouds")]
    named = cite("Droplets form clouds [3], then rain [2] [3].", sources)
    assert [(c.marker, c.lesson_id) for c in named] == [(3, clouds), (2, rain)]
    assert [c.lesson_id for c in cite("No markers here.", sources)] == [clouds, rain]
    assert strip_unknown_markers("See [2] and [7].", 3) == "See [2] and ."
    assert sources_line(named) == "Sources: [3] Clouds; [2] Rain"
