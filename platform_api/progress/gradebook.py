"""A class's gradebook as CSV: one row per learner, one column per assignment.

A cell holds the learner's best graded score; a sitting not graded yet shows its status
(``grading``, ``needs_review``, ``grading_delayed``, ``in_progress``), and an empty cell means
no attempt, so nothing reads as a zero that was never earned. The last row gives each
assignment's maximum points.
"""

import csv
import io
import uuid
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from platform_api.assessments.models import Assignment, AssignmentItem, ExamSitting, SittingStatus
from platform_api.progress.roster import Roster

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _number(value: float) -> str:
    return f"{value:g}"


async def _cells(
    session: AsyncSession, assignment_ids: list[uuid.UUID]
) -> dict[tuple[uuid.UUID, uuid.UUID], str]:
    """(learner, assignment) → best graded score, else the status of the latest sitting."""
    best: dict[tuple[uuid.UUID, uuid.UUID], float] = {}
    status: dict[tuple[uuid.UUID, uuid.UUID], str] = {}
    sittings = await session.scalars(
        select(ExamSitting)
        .where(ExamSitting.assignment_id.in_(assignment_ids))
        .order_by(ExamSitting.attempt)
    )
    for sitting in sittings:
        assert sitting.assignment_id is not None
        key = (sitting.learner_id, sitting.assignment_id)
        if sitting.status is SittingStatus.GRADED and sitting.score is not None:
            best[key] = max(best.get(key, sitting.score), sitting.score)
        else:
            status[key] = sitting.status.value
    return {key: status[key] for key in status} | {key: _number(v) for key, v in best.items()}


async def gradebook_csv(session: AsyncSession, roster: Roster) -> str:
    assignments = list(
        await session.scalars(
            select(Assignment)
            .where(Assignment.class_id == roster.school_class.id)
            .order_by(Assignment.created_at, Assignment.id)
        )
    )
    ids = [assignment.id for assignment in assignments]
    maxima: dict[uuid.UUID, float] = defaultdict(float)
    for assignment_id, total in await session.execute(
        select(AssignmentItem.assignment_id, func.sum(AssignmentItem.points))
        .where(AssignmentItem.assignment_id.in_(ids))
        .group_by(AssignmentItem.assignment_id)
    ):
        maxima[assignment_id] = float(total)
    cells = await _cells(session, ids)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["learner_id", "learner", *(_safe(a.title) for a in assignments)])
    for learner in roster.learners:
        row = [cells.get((learner.id, assignment_id), "") for assignment_id in ids]
        writer.writerow([str(learner.id), _safe(learner.display_name), *row])
    writer.writerow(["", "max points", *(_number(maxima[assignment_id]) for assignment_id in ids)])
    return out.getvalue()
