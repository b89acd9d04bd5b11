"""Explain mode's grounding rules: an answer's claims, and an LLM explanation that contradicts
the evidence replaced by the passage that settles the question (cited)."""

import uuid

from agents.tutor.choices import Choice, named_options
from agents.tutor.citations import Source
from agents.tutor.grounding import (
    claims_of,
    contradicts,
    explained_choice,
    supporting_quote,
    unsettled_choice,
)
from agents.tutor.policy import UNSETTLED, evidence_lead

STEM = "Which division of the nervous system slows the heart at rest?"
CHOICES = [
    Choice("a", "the sympathetic division"),
    Choice("b", "the parasympathetic division"),
    Choice("c", "the somatic division"),
]
PASSAGE = Source(
    number=3,
    chunk_id=uuid.uuid4(),
    lesson_id=uuid.uuid4(),
    lesson_title="Divisions of the Autonomic Nervous System",
    chapter_title="The Autonomic Nervous System",
    source_module="m46579",
    kind="text",
    similarity=0.71,
    text=(
        "The sympathetic division prepares the body for fight or flight and speeds the heart. "
        "At rest, the parasympathetic division slows the heart rate and stimulates digestion. "
        "Figure 2 shows both pathways."
    ),
)
LEAD = evidence_lead("b", "the parasympathetic division", PASSAGE.number, supported=True)


def test_claims_are_the_statements_of_an_answer_without_markers() -> None:
    answer = (
        "Good question! The parasympathetic division slows the heart at rest [3]. "
        "What does the sympathetic division do?\nIt speeds the heart up during exercise [1]."
    )
    assert claims_of(answer) == [
        "The parasympathetic division slows the heart at rest.",
        "It speeds the heart up during exercise.",
    ]
    assert claims_of("Which lesson covers this? Read it again.") == []


def test_an_explanation_naming_another_option_contradicts_the_evidence() -> None:
    assert contradicts("The answer is a) the sympathetic division.", CHOICES, STEM, "b")
    assert contradicts("I would pick (c).", CHOICES, STEM, "b")
    assert not contradicts("It works at rest and slows the heart [3].", CHOICES, STEM, "b")
    assert not contradicts("So b) is right: it acts at rest.", CHOICES, STEM, "b")


def test_a_contradicting_explanation_gives_way_to_the_cited_passage() -> None:
    llm = f"{LEAD} Actually the answer is a) the sympathetic division, which calms the heart."
    answer = explained_choice(llm, LEAD, CHOICES, STEM, "b", PASSAGE)
    assert answer.startswith(LEAD)
    assert "[3]" in answer.removeprefix(LEAD)  # the passage that settles it is cited
    assert "slows the heart rate" in answer  # in its own words
    assert named_options(answer, CHOICES, STEM) == ["b"]


def test_an_agreeing_explanation_is_kept() -> None:
    llm = f"{LEAD} At rest it slows the heart and helps digestion [3]."
    assert explained_choice(llm, LEAD, CHOICES, STEM, "b", PASSAGE) == llm


def test_an_empty_explanation_is_filled_from_the_passage() -> None:
    answer = explained_choice(LEAD, LEAD, CHOICES, STEM, "b", PASSAGE)
    assert answer.startswith(f'{LEAD} Source [3] says: "')


def test_the_quote_names_no_other_option() -> None:
    quote = supporting_quote(PASSAGE, STEM, CHOICES, "b")
    assert quote.startswith("At rest, the parasympathetic division slows the heart rate")
    assert not named_options(quote, CHOICES[::2], STEM)


def test_the_lead_says_when_the_material_does_not_settle_it() -> None:
    lead = evidence_lead("b", "the parasympathetic division", 3, supported=False)
    assert "leans towards b) the parasympathetic division [3]" in lead
    assert "does not settle" in lead


def test_an_unsettled_answer_presents_no_option_and_says_so() -> None:
    llm = (
        "The autonomic nervous system controls the heart [3]. "
        "I think the answer is a) the sympathetic division."
    )
    answer = unsettled_choice(llm, CHOICES, STEM)
    assert answer == f"The autonomic nervous system controls the heart [3].\n\n{UNSETTLED}"
    assert named_options(answer, CHOICES, STEM) == []
