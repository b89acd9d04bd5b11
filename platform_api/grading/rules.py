"""Grading by rule: multiple choice by its option key, numeric answers within a tolerance.

A rule grade is certain, except where the item itself is broken (no key, no parsable expected
value): then it goes to a teacher rather than becoming a zero nobody looks at.
"""

from dataclasses import dataclass

from platform_api.assessments.answers import option_key, parse_number
from platform_api.assessments.item_spec import ItemSpec

RELATIVE_EPSILON = 1e-9


@dataclass(frozen=True)
class RuleGrade:
    points: float
    correct: bool
    justification: str
    needs_review: bool = False


def grade_multiple_choice(answer: str, key: str | None, max_points: float) -> RuleGrade:
    if not key:
        return RuleGrade(0.0, False, "The item has no answer key.", needs_review=True)
    chosen = option_key(answer)
    if chosen == key.strip().lower():
        return RuleGrade(max_points, True, f"Option {chosen} is the key.")
    shown = chosen if chosen is not None else answer.strip()[:40] or "no option"
    return RuleGrade(0.0, False, f"Chose {shown}; the key is {key.strip().lower()}.")


def _unit(text: str) -> str:
    unit = text.strip().strip(".").lower()
    return unit[:-1] if unit.endswith("s") and len(unit) > 2 else unit


def grade_numeric(answer: str, item: ItemSpec, max_points: float) -> RuleGrade:
    expected, tolerance, unit = item.numeric_answer, abs(item.tolerance), item.unit
    if expected is None:
        return RuleGrade(0.0, False, "The item has no parsable answer.", needs_review=True)
    given = parse_number(answer)
    if given is None:
        return RuleGrade(0.0, False, "The answer is not a number.")
    value, given_unit = given
    if given_unit and unit and _unit(given_unit) != _unit(unit):
        return RuleGrade(0.0, False, f"The unit is {given_unit!r}, not {unit!r}.")
    allowed = max(tolerance, abs(expected) * RELATIVE_EPSILON)
    if abs(value - expected) <= allowed:
        return RuleGrade(max_points, True, f"{value:g} is within {tolerance:g} of {expected:g}.")
    return RuleGrade(0.0, False, f"{value:g} is not within {tolerance:g} of {expected:g}.")
