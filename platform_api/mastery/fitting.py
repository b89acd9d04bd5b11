"""The refit: BKT parameters per objective from every graded answer, then every state again.

``fit_objectives`` is what ``wc mastery fit`` runs and what a scheduled pipeline calls. Each
objective with enough answers (``WC_MASTERY_FIT_MIN_*``) gets its parameters fitted by EM from
the defaults as the starting point; the others keep what they had (fitted earlier, else the
defaults). Then every learner's state on the objective is recomputed with the parameters that
now apply. One transaction per objective; a state the per-answer consumer wrote after the refit
read the answers is left as it is (it already includes the newer answers; the next answer
applies the new parameters).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any, cast

import numpy as np
from sqlalchemy import BindParameter, all_, bindparam, delete, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.infra.database import Database, utcnow
from platform_api.mastery import bkt
from platform_api.mastery.history import graded_answers
from platform_api.mastery.models import MasteryState, ObjectiveParameters
from platform_api.mastery.service import parameters_of
from platform_api.mastery.settings import MasterySettings

Report = Callable[[int, int], None]
CHUNK_ROWS = 2000


@dataclass(frozen=True)
class ObjectiveAnswers:
    """One objective's graded answers: each learner's sequence, in order."""

    objective_id: uuid.UUID
    learner_ids: list[uuid.UUID]
    sequences: list[list[bool]]

    @property
    def answers(self) -> int:
        return sum(len(sequence) for sequence in self.sequences)


@dataclass(frozen=True)
class ObjectiveFit:
    objective_id: uuid.UUID
    learners: int
    answers: int
    parameters: bkt.BktParameters
    fitted: bool  # False: too few answers; the parameters are the ones that already applied
    log_likelihood: float | None
    iterations: int


@dataclass(frozen=True)
class FitSummary:
    objectives: list[ObjectiveFit]
    states: int


async def read_answers(database: Database) -> list[ObjectiveAnswers]:
    """Every objective's graded answers, grouped by objective and learner, in answer order."""
    async with database.session() as session:
        rows = [tuple(row) for row in await session.execute(graded_answers())]
    answers = []
    for objective_id, objective_rows in groupby(rows, key=lambda row: row[0]):
        learner_ids, sequences = [], []
        for learner_id, learner_rows in groupby(objective_rows, key=lambda row: row[1]):
            learner_ids.append(learner_id)
            sequences.append([bool(row[3]) for row in learner_rows])
        answers.append(ObjectiveAnswers(objective_id, learner_ids, sequences))
    return answers


async def fit_objectives(
    database: Database, settings: MasterySettings, report: Report | None = None
) -> FitSummary:
    """Refit every objective that has enough answers and recompute every learner's state."""
    started = utcnow()
    everything = await read_answers(database)
    fits, states = [], 0
    for done, objective in enumerate(everything, start=1):
        async with database.session() as session, session.begin():
            fit = await _fit_one(session, objective, settings)
            states += await _write_states(session, objective, fit.parameters, started)
        fits.append(fit)
        if report is not None:
            report(done, len(everything))
    await _forget_unanswered(database, [o.objective_id for o in everything], started)
    return FitSummary(fits, states)


async def _fit_one(
    session: AsyncSession, objective: ObjectiveAnswers, settings: MasterySettings
) -> ObjectiveFit:
    enough = (
        len(objective.sequences) >= settings.fit_min_learners
        and objective.answers >= settings.fit_min_answers
    )
    if not enough:
        current = await parameters_of(session, objective.objective_id, settings)
        learners = len(objective.sequences)
        return ObjectiveFit(
            objective.objective_id, learners, objective.answers, current, False, None, 0
        )
    result = bkt.fit(
        objective.sequences,
        settings.defaults,
        bounds=settings.bounds,
        max_iterations=settings.fit_max_iterations,
        tolerance=settings.fit_tolerance,
    )
    await _store_parameters(session, objective, result)
    return ObjectiveFit(
        objective.objective_id,
        len(objective.sequences),
        objective.answers,
        result.parameters,
        True,
        result.log_likelihood,
        result.iterations,
    )


async def _store_parameters(
    session: AsyncSession, objective: ObjectiveAnswers, result: bkt.BktFit
) -> None:
    values = {
        "objective_id": objective.objective_id,
        "prior": result.parameters.prior,
        "learn": result.parameters.learn,
        "guess": result.parameters.guess,
        "slip": result.parameters.slip,
        "learners": len(objective.sequences),
        "responses": objective.answers,
        "log_likelihood": result.log_likelihood,
        "fitted_at": utcnow(),
    }
    statement = insert(ObjectiveParameters).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ObjectiveParameters.objective_id],
            set_={name: statement.excluded[name] for name in values if name != "objective_id"},
        )
    )


async def _write_states(
    session: AsyncSession,
    objective: ObjectiveAnswers,
    params: bkt.BktParameters,
    started: datetime,
) -> int:
    """Upsert each learner's state; skip one the consumer rewrote since ``started``."""
    data = bkt.Sequences.of(objective.sequences)
    p_known = bkt.final_p_known(params, data)
    now = utcnow()
    rows = [
        {
            "learner_id": learner_id,
            "objective_id": objective.objective_id,
            "p_known": float(p),
            "answers": len(sequence),
            "correct": int(np.sum(sequence)),
            "updated_at": now,
        }
        for learner_id, sequence, p in zip(
            objective.learner_ids, objective.sequences, p_known, strict=True
        )
    ]
    for start in range(0, len(rows), CHUNK_ROWS):
        statement = insert(MasteryState).values(rows[start : start + CHUNK_ROWS])
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[MasteryState.learner_id, MasteryState.objective_id],
                set_={
                    name: statement.excluded[name]
                    for name in ("p_known", "answers", "correct", "updated_at")
                },
                where=MasteryState.updated_at < started,
            )
        )
    await session.execute(
        delete(MasteryState).where(
            MasteryState.objective_id == objective.objective_id,
            MasteryState.learner_id != all_(_uuid_array(objective.learner_ids)),
            MasteryState.updated_at < started,
        )
    )
    return len(rows)


def _uuid_array(ids: list[uuid.UUID]) -> BindParameter[Any]:
    return bindparam(None, ids, type_=cast(Any, ARRAY(UUID(as_uuid=True))))


_FORGET = text(
    "DELETE FROM mastery_states WHERE updated_at < :started AND objective_id <> ALL(:answered)"
).bindparams(bindparam("answered", type_=ARRAY(UUID(as_uuid=True))))


async def _forget_unanswered(
    database: Database, answered: list[uuid.UUID], started: datetime
) -> None:
    """States of objectives without a graded answer left (their answers were deleted)."""
    async with database.session() as session, session.begin():
        await session.execute(_FORGET, {"answered": answered, "started": started})
