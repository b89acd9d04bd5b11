"""Item calibration from live responses: difficulty, discrimination, 2PL IRT, review flags.

Per item, from every graded response (its current grade, as mastery reads them):

- difficulty: the share of responses graded correct (classical p-value; high means easy);
- discrimination: the point-biserial correlation between a response being correct and the
  learner's rest score, their share correct on the *other* items of the same objective (the
  item itself left out, so it does not correlate with itself);
- when an objective has enough learners and an item enough responses, a 2PL IRT fit with girth
  (marginal maximum likelihood) over the objective's items, one latent trait per objective.
  girth bounds the slope a to positive values, so a miskeyed item shows up in the
  point-biserial, not in a.

Items with enough responses are flagged ``too_easy``, ``too_hard`` or
``negative_discrimination`` (significantly below the threshold, not by noise) by the thresholds
in ``MasterySettings``; the content review queue
lists flagged items with these figures (``flagged_items``).
"""

import logging
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from itertools import groupby
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import AssessmentItem
from core.infra.database import Database, utcnow
from platform_api.mastery.history import graded_answers
from platform_api.mastery.models import ItemStatistics
from platform_api.mastery.schemas import FlaggedItem
from platform_api.mastery.settings import MasterySettings

logger = logging.getLogger(__name__)

Report = Callable[[int, int], None]
TOO_EASY, TOO_HARD, NEGATIVE = "too_easy", "too_hard", "negative_discrimination"
CHUNK_ROWS = 2000


@dataclass(frozen=True)
class ObjectiveResponses:
    """One objective's graded responses as parallel arrays (one entry per response)."""

    objective_id: uuid.UUID
    item_ids: list[uuid.UUID]
    learner: npt.NDArray[np.int64]  # index into the objective's learners
    item: npt.NDArray[np.int64]  # index into item_ids
    correct: npt.NDArray[np.float64]

    @property
    def learners(self) -> int:
        return int(self.learner.max()) + 1 if len(self.learner) else 0


@dataclass(frozen=True)
class ItemFigures:
    item_id: uuid.UUID
    responses: int
    difficulty: float
    discrimination: float | None
    irt: dict[str, Any] | None
    flags: list[str]


async def read_responses(database: Database) -> list[ObjectiveResponses]:
    async with database.session() as session:
        rows = [tuple(row) for row in await session.execute(graded_answers())]
    grouped = groupby(rows, key=lambda row: row[0])
    return [_arrays(objective_id, list(group)) for objective_id, group in grouped]


def _arrays(objective_id: uuid.UUID, rows: list[tuple[Any, ...]]) -> ObjectiveResponses:
    learners: dict[uuid.UUID, int] = {}
    items: dict[uuid.UUID, int] = {}
    learner = [learners.setdefault(row[1], len(learners)) for row in rows]
    item = [items.setdefault(row[2], len(items)) for row in rows]
    return ObjectiveResponses(
        objective_id,
        list(items),
        np.asarray(learner, dtype=np.int64),
        np.asarray(item, dtype=np.int64),
        np.asarray([bool(row[3]) for row in rows], dtype=np.float64),
    )


def point_biserial(data: ObjectiveResponses) -> npt.NDArray[np.float64]:
    """Per item: corr(correct, learner's share correct on the objective's other items); NaN
    where it is undefined (all answers alike, or no learner answered anything else)."""
    learners, items = data.learners, len(data.item_ids)
    pair = data.learner * items + data.item
    pair_count = np.bincount(pair, minlength=learners * items)[pair]
    pair_correct = np.bincount(pair, data.correct, minlength=learners * items)[pair]
    others = np.bincount(data.learner, minlength=learners)[data.learner] - pair_count
    others_correct = (
        np.bincount(data.learner, data.correct, minlength=learners)[data.learner] - pair_correct
    )
    usable = others > 0
    rest = np.divide(others_correct, others, out=np.zeros_like(data.correct), where=usable)
    return _grouped_correlation(data.item[usable], data.correct[usable], rest[usable], items)


def _grouped_correlation(
    group: npt.NDArray[np.int64],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    groups: int,
) -> npt.NDArray[np.float64]:
    def total(weights: npt.NDArray[np.float64] | None) -> npt.NDArray[np.float64]:
        return np.bincount(group, weights, minlength=groups).astype(np.float64)

    n = total(None)
    sx, sy, sxy, sxx, syy = total(x), total(y), total(x * y), total(x * x), total(y * y)
    covariance = n * sxy - sx * sy
    spread = np.sqrt(np.clip(n * sxx - sx**2, 0, None) * np.clip(n * syy - sy**2, 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(spread > 1e-12, covariance / spread, np.nan)


def two_pl(data: ObjectiveResponses, settings: MasterySettings) -> dict[int, dict[str, Any]]:
    """2PL a and b per item index for items with enough responses (girth's MML); {} when the
    objective has too few learners or items, or the fit fails (logged)."""
    counts = np.bincount(data.item, minlength=len(data.item_ids))
    eligible = np.flatnonzero(counts >= settings.irt_min_responses)
    if data.learners < settings.irt_min_learners or len(eligible) < 2:
        return {}
    from girth import INVALID_RESPONSE, twopl_mml

    matrix = np.full((len(data.item_ids), data.learners), INVALID_RESPONSE, dtype=np.int64)
    matrix[data.item, data.learner] = data.correct.astype(np.int64)  # a repeat: the last answer
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result = twopl_mml(matrix[eligible])
    except Exception:  # a degenerate matrix; the classical figures still stand
        logger.exception("2PL fit failed (objective %s); kept the classical", data.objective_id)
        return {}
    library = f"girth {version('girth')}"
    slopes, locations = result["Discrimination"], result["Difficulty"]
    return {
        int(index): {"model": "2pl", "a": float(a), "b": float(b), "library": library}
        for index, a, b in zip(eligible, slopes, locations, strict=True)
        if np.isfinite(a) and np.isfinite(b)
    }


def item_figures(data: ObjectiveResponses, settings: MasterySettings) -> list[ItemFigures]:
    counts = np.bincount(data.item, minlength=len(data.item_ids))
    correct = np.bincount(data.item, data.correct, minlength=len(data.item_ids))
    discrimination = point_biserial(data)
    irt = two_pl(data, settings)
    figures = []
    for index, item_id in enumerate(data.item_ids):
        r = None if np.isnan(discrimination[index]) else float(discrimination[index])
        difficulty = float(correct[index] / counts[index])
        figures.append(
            ItemFigures(
                item_id,
                int(counts[index]),
                difficulty,
                r,
                irt.get(index),
                _flags(int(counts[index]), difficulty, r, settings),
            )
        )
    return figures


def _flags(
    responses: int, difficulty: float, discrimination: float | None, settings: MasterySettings
) -> list[str]:
    if responses < settings.calibration_min_responses:
        return []
    flags = []
    if difficulty > settings.too_easy_above:
        flags.append(TOO_EASY)
    if difficulty < settings.too_hard_below:
        flags.append(TOO_HARD)
    if discrimination is not None and _negative(discrimination, responses, settings):
        flags.append(NEGATIVE)
    return flags


def _negative(r: float, responses: int, settings: MasterySettings) -> bool:
    """Below the threshold and beyond sampling noise: the t statistic of r (n - 2 degrees of
    freedom) under ``-negative_discrimination_z``. An item that almost every learner answers in
    the same state has r near 0 either way; noise alone must not flag it."""
    if r >= settings.negative_discrimination_below:
        return False
    t = r * np.sqrt((responses - 2) / max(1.0 - r * r, 1e-12))
    return bool(t < -settings.negative_discrimination_z)


async def calibrate_items(
    database: Database, settings: MasterySettings, report: Report | None = None
) -> list[ItemFigures]:
    """Recompute every answered item's statistics and flags; drop those of unanswered items."""
    objectives = await read_responses(database)
    figures: list[ItemFigures] = []
    for done, objective in enumerate(objectives, start=1):
        figures.extend(item_figures(objective, settings))
        if report is not None:
            report(done, len(objectives))
    async with database.session() as session, session.begin():
        await _store(session, figures)
    return figures


_DROP_STALE = text("DELETE FROM item_statistics WHERE item_id <> ALL(:kept)").bindparams(
    bindparam("kept", type_=ARRAY(UUID(as_uuid=True)))
)


async def _store(session: AsyncSession, figures: list[ItemFigures]) -> None:
    now = utcnow()
    rows = [
        {
            "item_id": f.item_id,
            "responses": f.responses,
            "difficulty": f.difficulty,
            "discrimination": f.discrimination,
            "irt": f.irt,
            "flags": f.flags,
            "computed_at": now,
        }
        for f in figures
    ]
    for start in range(0, len(rows), CHUNK_ROWS):
        statement = insert(ItemStatistics).values(rows[start : start + CHUNK_ROWS])
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[ItemStatistics.item_id],
                set_={name: statement.excluded[name] for name in rows[0] if name != "item_id"},
            )
        )
    await session.execute(_DROP_STALE, {"kept": [f.item_id for f in figures]})


async def flagged_items(
    session: AsyncSession, course_id: uuid.UUID, limit: int, offset: int
) -> list[FlaggedItem]:
    """A course's flagged items with their figures, the most answered first."""
    rows = await session.execute(
        select(ItemStatistics, AssessmentItem)
        .join(AssessmentItem, AssessmentItem.id == ItemStatistics.item_id)
        .where(
            AssessmentItem.course_id == course_id,
            func.jsonb_array_length(ItemStatistics.flags) > 0,
        )
        .order_by(ItemStatistics.responses.desc(), AssessmentItem.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        FlaggedItem(
            item_id=item.id,
            lesson_id=item.lesson_id,
            prompt=item.prompt,
            version=item.version,
            flags=stats.flags,
            responses=stats.responses,
            difficulty=stats.difficulty,
            discrimination=stats.discrimination,
            irt=stats.irt,
            computed_at=stats.computed_at,
        )
        for stats, item in rows
    ]
