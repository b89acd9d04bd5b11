"""One reading of every item, whatever wrote it: the key, the tolerance, the rubric and points.

Items come from three writers with three shapes (OpenStax import: options and a letter, free
response with a worked solution; content generation: the generated structure in ``details``;
this API: ``details`` with tolerance/unit or rubric lines with points). Sittings show items and
grading grades them through ``ItemSpec``, read from the immutable version snapshot a response
points at (``version_spec``), never from the live row.
"""

import math
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agents.grader.prompts import DEFAULT_RUBRIC_LINE
from core.curriculum.models import AssessmentItemVersion, ItemKind
from core.errors import NotFound
from platform_api.assessments.answers import parse_number

# Items without a rubric (most OpenStax exercises) are graded on this one line.
SOLUTION_CRITERION = DEFAULT_RUBRIC_LINE


@dataclass(frozen=True)
class RubricPoint:
    criterion: str
    points: float


@dataclass(frozen=True)
class ItemSpec:
    kind: ItemKind
    prompt: str
    options: tuple[tuple[str, str], ...]  # (stable key, text) in authored order
    answer_key: str | None  # multiple choice
    numeric_answer: float | None
    tolerance: float
    unit: str
    model_answer: str  # short answer and free response (the solution when none is given)
    rubric: tuple[RubricPoint, ...]
    solution: str

    @property
    def graded_by_rule(self) -> bool:
        """Multiple choice and numeric are graded at once; the rest against the rubric."""
        return self.kind in (ItemKind.MULTIPLE_CHOICE, ItemKind.NUMERIC)

    @property
    def max_points(self) -> float:
        return 1.0 if self.graded_by_rule else sum(line.points for line in self.rubric)

    @property
    def option_keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.options)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _expected(details: dict[str, Any], answer: str | None) -> tuple[float | None, str]:
    """A numeric item's expected value and the unit written after it ("8 days": 8, "days")."""
    raw = details.get("answer", answer)
    if isinstance(raw, int | float):
        return _number(raw), ""
    parsed = parse_number(str(raw)) if raw is not None else None
    return (parsed[0], parsed[1]) if parsed else (None, "")


def _rubric(details: dict[str, Any], model_answer: str) -> tuple[RubricPoint, ...]:
    lines: list[RubricPoint] = []
    for entry in details.get("rubric") or []:
        if isinstance(entry, str) and entry.strip():  # generated: one point per line
            lines.append(RubricPoint(entry, 1.0))
        elif isinstance(entry, dict) and entry.get("criterion"):
            points = _number(entry.get("points")) or 1.0
            lines.append(RubricPoint(str(entry["criterion"]), points))
    if not lines and model_answer:
        lines.append(RubricPoint(SOLUTION_CRITERION, 1.0))
    return tuple(lines)


def spec_from_snapshot(snapshot: dict[str, Any]) -> ItemSpec:
    """The spec of a stored version (``AssessmentItemVersion.snapshot``) or of a live row."""
    kind = ItemKind(snapshot["kind"])
    details: dict[str, Any] = snapshot.get("details") or {}
    solution = snapshot.get("solution") or ""
    answer = snapshot.get("answer")
    options = tuple((str(o["label"]), str(o["text"])) for o in snapshot.get("options") or [])
    numeric, stated_unit = _expected(details, answer) if kind is ItemKind.NUMERIC else (None, "")
    model_answer = ""
    if kind is ItemKind.SHORT_ANSWER:
        model_answer = str(details.get("model_answer") or answer or solution)
    elif kind is ItemKind.FREE_RESPONSE:
        model_answer = str(details.get("model_answer") or solution)
    rubric = _rubric(details, model_answer) if model_answer else ()
    if kind in (ItemKind.SHORT_ANSWER, ItemKind.FREE_RESPONSE) and not rubric:
        rubric = (RubricPoint(SOLUTION_CRITERION, 1.0),)
    return ItemSpec(
        kind=kind,
        prompt=snapshot.get("prompt") or "",
        options=options,
        answer_key=answer if kind is ItemKind.MULTIPLE_CHOICE else None,
        numeric_answer=numeric,
        tolerance=_number(details.get("tolerance")) or 0.0,
        unit=str(details.get("unit") or stated_unit),
        model_answer=model_answer,
        rubric=rubric,
        solution=solution,
    )


async def version_spec(session: AsyncSession, item_id: uuid.UUID, version: int) -> ItemSpec:
    """The spec of the version a learner saw (what grading must grade against)."""
    snapshot = await session.scalar(
        select(AssessmentItemVersion.snapshot).where(
            AssessmentItemVersion.item_id == item_id, AssessmentItemVersion.version == version
        )
    )
    if snapshot is None:
        raise NotFound("No such item version.", {"item_id": str(item_id), "version": version})
    return spec_from_snapshot(snapshot)
