"""300 simulated learners answer 20 items per objective under known BKT parameters; the refit
(``wc mastery fit``'s entry point) recovers the parameters, the learners' states separate those
who reached the known state, and item calibration flags the items made harder or miskeyed.

The responses go into PostgreSQL in bulk and are read back by the same query the command uses.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from core.infra.database import Database
from platform_api.cli import app
from platform_api.mastery.bkt import BktParameters
from platform_api.mastery.calibration import NEGATIVE, TOO_HARD
from platform_api.mastery.models import MasteryState, ObjectiveParameters
from tests.fixtures.app import Api, make_settings, running_api
from tests.fixtures.postgres import create_test_database
from tests.mastery.seeding import SeededCourse, insert_learners, insert_responses, seed_course
from tests.mastery.simulator import ItemOverride, SimulatedObjective, Simulation, simulate

LEARNERS, SEED = 300, 0
HARDER = ItemOverride(guess=0.02, slip=0.85)  # rarely right, even when known
MISKEYED = ItemOverride(guess=0.9, slip=0.9)  # right mostly when *not* known
# A, B and C follow their objective's parameters (the fit must recover them). D is where item
# calibration is tested: some of its items do not follow D's guess and slip, so D has no single
# true parameter set and its fit is not compared with one.
OBJECTIVES = [
    SimulatedObjective("A", BktParameters(prior=0.2, learn=0.15, guess=0.25, slip=0.1)),
    SimulatedObjective("B", BktParameters(prior=0.1, learn=0.08, guess=0.28, slip=0.1)),
    SimulatedObjective("C", BktParameters(prior=0.3, learn=0.05, guess=0.15, slip=0.12)),
    SimulatedObjective(
        "D",
        BktParameters(prior=0.3, learn=0.2, guess=0.2, slip=0.1),
        overrides={1: MISKEYED, 5: HARDER, 11: HARDER, 16: HARDER},
    ),
]
FOLLOWING_THEIR_PARAMETERS = ["A", "B", "C"]


@dataclass
class Simulated:
    database: Database
    url: str
    seeded: SeededCourse
    simulation: Simulation
    learner_ids: list[uuid.UUID]
    fit: dict[str, Any]  # `wc mastery fit --json`
    items: dict[uuid.UUID, dict[str, Any]]  # `wc items calibrate --json`, by item


@pytest.fixture(scope="module")
async def simulated(postgres_server_url: str) -> AsyncIterator[Simulated]:
    url = await create_test_database(postgres_server_url)
    database = Database(url, pool_size=3)
    simulation = simulate(OBJECTIVES, LEARNERS, SEED)
    async with database.session() as session:
        seeded = await seed_course(session, OBJECTIVES)
        learner_ids = await insert_learners(session, LEARNERS)
        written = await insert_responses(session, seeded, simulation, learner_ids)
        await session.commit()
    assert written == LEARNERS * sum(o.items for o in OBJECTIVES)
    fit = await _command(url, "mastery", "fit", "--json")
    items = {
        uuid.UUID(row["item_id"]): row
        for row in (await _command(url, "items", "calibrate", "--json"))["items"]
    }
    try:
        yield Simulated(database, url, seeded, simulation, learner_ids, fit, items)
    finally:
        await database.close()


async def _command(database_url: str, *args: str) -> dict[str, Any]:
    """``wc ARGS`` in process (the real typer app; in a thread, as it runs its own event loop)."""
    result = await asyncio.to_thread(
        CliRunner().invoke, app, list(args), env={"WC_DATABASE_URL": database_url}
    )
    assert result.exit_code == 0, result.output
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


async def test_fit_recovers_each_parameter_within_five_hundredths(simulated: Simulated) -> None:
    async with simulated.database.session() as session:
        rows = await session.scalars(select(ObjectiveParameters))
        stored = {row.objective_id: row for row in rows}
    assert len(stored) == len(OBJECTIVES)
    for objective in OBJECTIVES:
        fitted = stored[simulated.seeded.objective_ids[objective.name]]
        assert (fitted.learners, fitted.responses) == (LEARNERS, LEARNERS * objective.items)
        print(
            f"objective {objective.name}: true {objective.truth}, fitted prior={fitted.prior:.3f} "
            f"learn={fitted.learn:.3f} guess={fitted.guess:.3f} slip={fitted.slip:.3f}"
        )
    for name in FOLLOWING_THEIR_PARAMETERS:
        truth = next(o.truth for o in OBJECTIVES if o.name == name)
        fitted = stored[simulated.seeded.objective_ids[name]]
        for parameter in ("prior", "learn", "guess", "slip"):
            error = abs(getattr(fitted, parameter) - getattr(truth, parameter))
            assert error <= 0.05, (name, parameter, getattr(fitted, parameter), truth)


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    above = scores[positive][:, None] - scores[~positive][None, :]
    return float((above > 0).mean() + 0.5 * (above == 0).mean())


async def test_final_p_known_separates_learners_who_reached_the_known_state(
    simulated: Simulated,
) -> None:
    async with simulated.database.session() as session:
        states = {
            (state.learner_id, state.objective_id): state
            for state in await session.scalars(select(MasteryState))
        }
    assert len(states) == LEARNERS * len(OBJECTIVES)
    pooled_scores, pooled_truth = [], []
    for name in FOLLOWING_THEIR_PARAMETERS:
        objective_id = simulated.seeded.objective_ids[name]
        scores = np.array([states[(lid, objective_id)].p_known for lid in simulated.learner_ids])
        reached = simulated.simulation.reached_known(name)
        assert 0 < reached.sum() < LEARNERS  # both groups exist
        value = auc(scores, reached)
        print(f"objective {name}: AUC {value:.4f} ({reached.sum()} of {LEARNERS} reached known)")
        assert value >= 0.9
        pooled_scores.append(scores)
        pooled_truth.append(reached)
    pooled = auc(np.concatenate(pooled_scores), np.concatenate(pooled_truth))
    print(f"pooled AUC over objectives {FOLLOWING_THEIR_PARAMETERS}: {pooled:.4f}")
    assert pooled >= 0.9


async def test_calibration_flags_the_harder_and_the_miskeyed_items(simulated: Simulated) -> None:
    by_item = simulated.items
    items = simulated.seeded.item_ids
    harder = {items["D"][k] for k, o in OBJECTIVES[3].overrides.items() if o is HARDER}
    miskeyed = {items["D"][k] for k, o in OBJECTIVES[3].overrides.items() if o is MISKEYED}
    assert {i for i, f in by_item.items() if TOO_HARD in f["flags"]} == harder
    assert {i for i, f in by_item.items() if NEGATIVE in f["flags"]} == miskeyed
    assert {i for i, f in by_item.items() if f["flags"]} == harder | miskeyed
    for item_id in harder:
        figure = by_item[item_id]
        print(
            f"harder item: share correct {figure['difficulty']:.3f}, r {figure['discrimination']}"
        )
        assert figure["responses"] == LEARNERS and figure["irt"] is not None  # 2PL ran (girth)
    print(f"miskeyed item: point-biserial {by_item[next(iter(miskeyed))]['discrimination']:.3f}")
    assert len(simulated.fit["objectives"]) == len(OBJECTIVES)
    assert simulated.fit["states"] == LEARNERS * len(OBJECTIVES)


async def test_review_queue_shows_flagged_items_with_their_figures(
    simulated: Simulated, tmp_path: Path
) -> None:
    async for api in running_api(make_settings(simulated.url, tmp_path)):
        await _check_review_queue(api, simulated)


async def _check_review_queue(api: Api, simulated: Simulated) -> None:
    editor, teacher = await api.account("content_editor"), await api.account("teacher")
    course_id = simulated.seeded.course_id
    path = f"/api/v1/content/review/flagged-items?course_id={course_id}"
    listed = await api.client.get(path, headers=editor.headers)
    assert listed.status_code == 200, listed.text
    flagged = {entry["item_id"]: entry for entry in listed.json()}
    assert len(flagged) == 4
    for entry in flagged.values():
        assert entry["flags"] and entry["responses"] == LEARNERS
        assert 0.0 <= entry["difficulty"] <= 1.0 and entry["discrimination"] is not None
    assert (await api.client.get(path, headers=teacher.headers)).status_code == 403  # not theirs
    missing = f"/api/v1/content/review/flagged-items?course_id={uuid.uuid4()}"
    assert (await api.client.get(missing, headers=editor.headers)).status_code == 404
