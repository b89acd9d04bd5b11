"""The graded answers mastery is computed from, in the order learners gave them.

One query shape serves the per-answer update (one learner, one objective), the refit (every
objective) and item calibration, so all three read the same answers the same way:

- only responses whose grade is final count (``grading_status = graded``); an answer waiting
  for a teacher (low confidence, a dispute) moves mastery once the teacher decides;
- the grade is the response's current one (a teacher's override replaces the first grade:
  it is the best judgement of whether the answer was right);
- the order is the time the answer was given (``answered_at``), then the response id;
- an item's objective is its own, else its lesson's first (``objective_id_expression``).
"""

import uuid

from sqlalchemy import Select, select

from core.curriculum.models import AssessmentItem
from platform_api.assessments.models import ExamSitting, GradingStatus, Response
from platform_api.mastery.objectives import objective_id_expression


def graded_answers() -> Select[uuid.UUID, uuid.UUID, uuid.UUID, bool | None]:
    """Rows (objective_id, learner_id, item_id, correct), ordered by objective, learner, time."""
    objective_id = objective_id_expression().label("objective_id")
    return (
        select(objective_id, ExamSitting.learner_id, Response.item_id, Response.correct)
        .join(ExamSitting, ExamSitting.id == Response.sitting_id)
        .join(AssessmentItem, AssessmentItem.id == Response.item_id)
        .where(Response.grading_status == GradingStatus.GRADED, Response.correct.is_not(None))
        .order_by(objective_id, ExamSitting.learner_id, Response.answered_at, Response.id)
    )


def learner_answers(
    learner_id: uuid.UUID, objective_id: uuid.UUID
) -> Select[uuid.UUID, uuid.UUID, uuid.UUID, bool | None]:
    """One learner's graded answers on one objective, in order."""
    return graded_answers().where(
        ExamSitting.learner_id == learner_id, objective_id_expression() == objective_id
    )
