"""Grading by rule: multiple choice by its option key, numeric answers within a tolerance.

A rule grade is certain, except where the item itself is broken (no key, no parsable expected
value): then it goes to a teacher rather than becoming a zero nobody looks at.
"""

import math
import re
from dataclasses import dataclass
from typing import Any

# A number as people type it: sign (a Unicode minus reads as "-"), thousands separators,
# decimals, an exponent, or a fraction; the rest of the answer is its unit.
_NUMBER = re.compile(
    r"^\s*(?P<sign>[-+])?\s*"
    r"(?:(?P<num>\d+)\s*/\s*(?P<den>\d+)"
    r"|(?P<value>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE](?P<exp>[-+]?\d+))?)"
    r"(?P<rest>.*)$",
    re.DOTALL,
)
_OPTION_KEY = re.compile(r"^\(?([A-Za-z0-9]{1,3})[).:]?$")
RELATIVE_EPSILON = 1e-9


@dataclass(frozen=True)
class RuleGrade:
    points: float
    correct: bool
    justification: str
    needs_review: bool = False


def option_key(answer: str) -> str | None:
    """'b', 'B', '(b)', 'b.' → 'b'."""
    match = _OPTION_KEY.match(answer.strip())
    return match.group(1).lower() if match else None


def grade_multiple_choice(answer: str, key: str | None, max_points: float) -> RuleGrade:
    if not key:
        return RuleGrade(0.0, False, "The item has no answer key.", needs_review=True)
    chosen = option_key(answer)
    if chosen == key.strip().lower():
        return RuleGrade(max_points, True, f"Option {chosen} is the key.")
    shown = chosen if chosen is not None else answer.strip()[:40] or "no option"
    return RuleGrade(0.0, False, f"Chose {shown}; the key is {key.strip().lower()}.")


def parse_number(text: str) -> tuple[float, str] | None:
    """The number an answer starts with and the rest of it (its unit), or None."""
    match = _NUMBER.match(text.replace("\u2212", "-"))
    if match is None:
        return None
    sign = -1.0 if match.group("sign") == "-" else 1.0
    if match.group("num") is not None:
        denominator = int(match.group("den"))
        if denominator == 0:
            return None
        value = int(match.group("num")) / denominator
    else:
        exponent = f"e{match.group('exp')}" if match.group("exp") is not None else ""
        value = float(match.group("value").replace(",", "") + exponent)  # 1e999 → inf
    if not math.isfinite(value):
        return None
    return sign * value, match.group("rest").strip()


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
