"""When a learner may sit an assignment, and when their sitting's server deadline falls.

Exams: the window [opens_at, closes_at) (the learner's accommodation window replaces it), and a
deadline of min(start + duration + extra time, window close). Homework: the due date (the
accommodation's closes_at replaces it, and extra time pushes it back).
"""

from datetime import datetime, timedelta

from platform_api.assessments.models import Accommodation, Assignment, AssignmentKind


def window_of(
    assignment: Assignment, accommodation: Accommodation | None
) -> tuple[datetime | None, datetime | None]:
    """When this learner may start: (opens, closes); None is unbounded."""
    opens, closes = assignment.opens_at, assignment.closes_at
    if assignment.kind is AssignmentKind.HOMEWORK:
        closes = assignment.due_at
    if accommodation is None:
        return opens, closes
    opens = accommodation.opens_at or opens
    closes = accommodation.closes_at or closes
    if assignment.kind is AssignmentKind.HOMEWORK and closes and accommodation.extra_seconds:
        closes += timedelta(seconds=accommodation.extra_seconds)
    return opens, closes


def deadline_for(
    assignment: Assignment, accommodation: Accommodation | None, started_at: datetime
) -> datetime | None:
    """The sitting's server deadline; None when the assignment has neither duration nor close."""
    _, closes = window_of(assignment, accommodation)
    candidates = [closes] if closes else []
    if assignment.duration_seconds:
        extra = accommodation.extra_seconds if accommodation else 0
        candidates.append(started_at + timedelta(seconds=assignment.duration_seconds + extra))
    return min(candidates) if candidates else None


def release_time(assignment: Assignment, accommodation: Accommodation | None) -> datetime | None:
    """When 'after due' feedback is shown: the assignment's close for every learner."""
    _, closes = window_of(assignment, None)
    if accommodation is not None and accommodation.closes_at and closes:
        closes = max(closes, accommodation.closes_at)
    return closes
