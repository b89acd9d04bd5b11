"""Grading by rule: multiple choice by its option key, numeric answers within a tolerance.

A rule grade is certain, except where the item itself is broken (no key, no parsable expected
value): then it goes to a teacher rather than becoming a zero nobody looks at.
"""

import math
from dataclasses import dataclass
from typing import Any

from platform_api.assessments.answers import option_key, parse_number

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


def _expected(details: dict[str, Any], answer: str | None) -> tuple[float | None, float, str]:
    raw = details.get("answer", answer)
    parsed = parse_number(str(raw)) if raw is not None else None
    try:
        tolerance = abs(float(details.get("tolerance") or 0.0))
    except (TypeError, ValueError):
        tolerance = 0.0
    unit = str(details.get("unit") or "")
    if parsed is not None and not unit:
        unit = parsed[1]
    return (parsed[0] if parsed else None), tolerance, unit


def grade_numeric(
    answer: str, details: dict[str, Any], key: str | None, max_points: float
) -> RuleGrade:
    expected, tolerance, unit = _expected(details, key)
    if expected is None or not math.isfinite(tolerance):
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
