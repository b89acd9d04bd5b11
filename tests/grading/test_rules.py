"""Rule grading: option keys and numbers as learners type them."""

from typing import Any

import pytest

from platform_api.assessments.answers import parse_number
from platform_api.assessments.item_spec import ItemSpec, spec_from_snapshot
from platform_api.grading.rules import grade_multiple_choice, grade_numeric


@pytest.mark.parametrize(
    ("typed", "value", "rest"),
    [
        ("8", 8.0, ""),
        (" 1,200 liters", 1200.0, "liters"),
        ("\u22122.5e3", -2500.0, ""),
        ("1/4 m", 0.25, "m"),
        (".5", 0.5, ""),
        ("+3.50 m.", 3.5, "m."),
    ],
)
def test_numbers_are_read_as_typed(typed: str, value: float, rest: str) -> None:
    assert parse_number(typed) == (value, rest)


@pytest.mark.parametrize("typed", ["", "five", "1/0", "m 5", "1e999", "nan", "1_000", "12 !?"])
def test_what_is_not_a_number_is_refused(typed: str) -> None:
    assert parse_number(typed) is None


def numeric(details: dict[str, Any], answer: str | None = None) -> ItemSpec:
    """A numeric item version as the grader reads it (from its snapshot)."""
    return spec_from_snapshot({"kind": "numeric", "answer": answer, "details": details})


def test_numeric_answers_need_the_tolerance_and_the_unit() -> None:
    details = {"answer": 9.81, "tolerance": 0.05, "unit": "m/s"}
    assert grade_numeric("9.8 m/s", numeric(details), 2.0).points == 2.0
    assert grade_numeric("9.7", numeric(details), 2.0).points == 0.0
    assert grade_numeric("9.8 km/h", numeric(details), 2.0).points == 0.0
    assert grade_numeric("8 days", numeric({}, "8 day"), 1.0).correct
    broken = grade_numeric("8", numeric({"answer": "n/a"}), 1.0)
    assert broken.needs_review and broken.points == 0.0


def test_an_option_is_matched_by_its_key() -> None:
    assert grade_multiple_choice(" (C) ", "c", 1.0).correct
    assert not grade_multiple_choice("a", "c", 1.0).correct
    assert grade_multiple_choice("a", None, 1.0).needs_review
