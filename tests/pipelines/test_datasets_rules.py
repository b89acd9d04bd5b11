"""The dataset's rules on their own: near-duplicates, held-out matching, the leak re-check, the
split, scrubbing. No stores: these are the pure parts ``test_datasets_build`` runs end to end."""

import uuid

import pytest

from agents.tutor import policy
from agents.tutor.citations import Source as LessonSource
from pipelines.datasets.config import Source
from pipelines.datasets.dedup import MinHasher, deduplicate
from pipelines.datasets.held_out import HeldOutIndex
from pipelines.datasets.leaks import WITHDRAWN_OPENINGS, names_written_option, withdrawn
from pipelines.datasets.rows import chat_row
from pipelines.datasets.scrubbing import scrubbed
from pipelines.datasets.shingles import normalise, shingles
from pipelines.datasets.split import VALIDATION, split_of

QUESTION = (
    "A researcher measures the resting heart rate of 40 athletes and finds a mean of 52 beats "
    "per minute. Which sampling distribution describes the mean, and why?"
)


def sets_of(texts: list[str]) -> list:  # type: ignore[type-arg]
    return [shingles(normalise(t), 3) for t in texts]


def test_exact_and_near_duplicates_are_dropped_and_the_first_copy_kept() -> None:
    texts = [
        QUESTION,
        QUESTION.upper().replace(",", ""),  # the same once normalised
        QUESTION.replace("researcher", "scientist"),  # one word changed
        "How do the kidneys keep the blood's sodium and potassium in balance over a day?",
        QUESTION.replace("resting heart rate of 40 athletes", "height of 40 basketball players"),
    ]
    keys = [normalise(t) for t in texts]
    result = deduplicate(keys, sets_of(texts), MinHasher(128), bands=32, threshold=0.7)
    assert result.kept == [0, 3, 4]
    assert (result.exact, result.near) == (1, 1)


def test_minhash_signatures_are_the_same_in_every_process() -> None:
    """Fixed hash functions (CRC-32 shingles, a seeded permutation family): no ``hash()``."""
    [signature] = MinHasher(8).signatures(sets_of([QUESTION]))
    assert signature.tolist() == MinHasher(8).signatures(sets_of([QUESTION]))[0].tolist()
    assert shingles("the mean of x", 3).tolist() == [3150244416, 3918878614]


@pytest.mark.parametrize(
    "asked",
    [
        QUESTION,
        QUESTION.replace("athletes", "runners"),
        QUESTION.replace(",", "").replace("?", "!"),
        f"Please help me with my homework, it is due tomorrow: {QUESTION} Thanks a lot!",
    ],
    ids=["same", "a word changed", "punctuation changed", "pasted into a message"],
)
def test_a_held_out_question_is_recognised_however_it_is_asked(asked: str) -> None:
    index = HeldOutIndex([QUESTION, "What is a z-score?"], 3, jaccard=0.5, containment=0.8)
    assert index.matches(sets_of([asked])).tolist() == [True]


def test_other_questions_are_not_held_out() -> None:
    index = HeldOutIndex([QUESTION, "What is a z-score?"], 3, jaccard=0.5, containment=0.8)
    others = [
        "What is a z-score used for in a hypothesis test about a population mean?",
        "Which sampling distribution describes a proportion of defective parts?",
        "What is the standard error?",
    ]
    assert index.matches(sets_of(others)).tolist() == [False, False, False]


def test_multiple_choice_options_match_in_any_layout() -> None:
    held = "Which organ filters blood?\n(A) the kidney\n(B) the lung\n(C) the stomach"
    row = "Which organ filters blood?\na) the kidney\nb) the lung\nc) the stomach"
    index = HeldOutIndex([held], 3, jaccard=0.5, containment=0.8)
    assert index.matches(sets_of([row])).tolist() == [True]


def test_the_withdrawn_answer_openings_are_what_the_tutor_says() -> None:
    passage = LessonSource(
        number=1,
        chunk_id=uuid.uuid4(),
        lesson_id=uuid.uuid4(),
        lesson_title="Sampling",
        chapter_title="Chapter 7",
        source_module=None,
        kind="text",
        similarity=0.9,
        text="The sampling distribution of the mean is normal for large samples.",
    )
    said = [
        policy.socratic_redirect(passage),
        policy.choice_question(passage, "Which distribution?"),
    ]
    assert [withdrawn(text) for text in said] == [True, True]
    assert len(WITHDRAWN_OPENINGS) == 2
    assert not withdrawn("Think about the sample size first: what does it tell you?")


def test_an_answer_naming_a_written_option_leaks() -> None:
    question = "Which organ filters blood? a) the kidney b) the lung c) the stomach"
    assert names_written_option(question, "It is c) the stomach, which digests food.")
    assert names_written_option(question, "The kidney does it, with its nephrons.")
    assert not names_written_option(question, "Which organ holds nephrons? Look at source [1].")
    assert not names_written_option("What do kidneys filter?", "They filter the blood.")


def test_a_group_always_lands_on_the_same_side_in_about_the_asked_share() -> None:
    groups = [str(uuid.UUID(int=n)) for n in range(2000)]
    sides = [split_of(g, 0.2, "salt") for g in groups]
    assert sides == [split_of(g, 0.2, "salt") for g in groups]
    assert 0.16 < sides.count(VALIDATION) / len(sides) < 0.24
    assert [split_of(g, 0.2, "other salt") for g in groups] != sides


def test_scrubbing_drops_rows_with_nothing_but_personal_data() -> None:
    def row(user: str, answer: str = "Noted.") -> object:
        return scrubbed(chat_row(Source.TUTOR_TURN, "g", "1", "system", user, answer))

    assert row("my mail is bob@example.org") != "pii_only"
    assert row("bob@example.org") == "pii_only"
    assert row("+44 20 7946 0958!") == "pii_only"
    assert row("  ") == "empty"
    kept = row("Reach me at bob@example.org: what is a median?")
    assert not isinstance(kept, str)
    assert kept.messages[1].content == "Reach me at [EMAIL]: what is a median?"  # type: ignore[attr-defined]
