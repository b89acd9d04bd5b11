"""The item version a learner answered, as the grader reads it.

A response points at ``(item_id, item_version)``: grading uses that version's snapshot, never a
later edit. Items imported without version rows (OpenStax) are their own version 1.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agents.grader import prompts
from agents.grader.schemas import MAX_RUBRIC_LINES, GradingInput
from core.curriculum.models import AssessmentItem, AssessmentItemVersion, ItemKind

RULE_KINDS = frozenset({ItemKind.MULTIPLE_CHOICE, ItemKind.NUMERIC})
MAX_RUBRIC_LINE_CHARS = 200


class ItemVersionMissing(LookupError):
    """The version an answer was given to is gone: grading it against another would be wrong."""


@dataclass(frozen=True)
class ItemVersion:
    kind: ItemKind
    prompt: str
    answer: str | None
    solution: str
    details: dict[str, Any]

    @property
    def by_rule(self) -> bool:
        return self.kind in RULE_KINDS


def _from_snapshot(snapshot: dict[str, Any]) -> ItemVersion:
    return ItemVersion(
        kind=ItemKind(snapshot["kind"]),
        prompt=str(snapshot.get("prompt") or ""),
        answer=snapshot.get("answer"),
        solution=str(snapshot.get("solution") or ""),
        details=snapshot.get("details") or {},
    )


async def load_item_version(session: AsyncSession, item_id: uuid.UUID, version: int) -> ItemVersion:
    snapshot = await session.scalar(
        select(AssessmentItemVersion.snapshot).where(
            AssessmentItemVersion.item_id == item_id, AssessmentItemVersion.version == version
        )
    )
    if snapshot is not None:
        return _from_snapshot(snapshot)
    item = await session.get(AssessmentItem, item_id)
    if item is None or item.version != version:
        raise ItemVersionMissing(f"item {item_id} has no version {version}")
    return ItemVersion(item.kind, item.prompt, item.answer, item.solution, item.details or {})


def model_answer(item: ItemVersion) -> str:
    """Short answers state their model answer; free responses carry a worked solution."""
    stated = item.details.get("model_answer")
    if isinstance(stated, str) and stated.strip():
        return stated
    if item.kind is ItemKind.SHORT_ANSWER:
        return item.answer or item.solution
    return item.solution or item.answer or ""


def _criterion(line: Any) -> str:
    """A rubric line as generated (a string) or as written through the items API (a dict)."""
    if isinstance(line, dict):
        line = line.get("criterion")
    return line if isinstance(line, str) else ""


def rubric_lines(item: ItemVersion) -> list[str]:
    lines = item.details.get("rubric")
    if isinstance(lines, str):
        lines = [lines]
    kept = [
        text.strip()[:MAX_RUBRIC_LINE_CHARS]
        for text in map(_criterion, lines if isinstance(lines, list) else [])
        if text.strip()
    ][:MAX_RUBRIC_LINES]
    return kept or [prompts.DEFAULT_RUBRIC_LINE]


def grading_input(item: ItemVersion, answer: str, max_points: float) -> GradingInput:
    return GradingInput(
        question=item.prompt,
        model_answer=model_answer(item),
        rubric=rubric_lines(item),
        answer=answer,
        max_points=max_points,
    )
