"""A seeded simulator of learners answering items under known BKT parameters.

Each learner starts knowing an objective with probability ``prior``; after each answer an
unknown objective becomes known with probability ``learn``; an answer is correct with
probability ``1 - slip`` when known and ``guess`` when not. An item may carry its own guess and
slip (a harder or a miskeyed item), which is what item calibration must find.
"""

from dataclasses import dataclass, field

import numpy as np

from platform_api.mastery.bkt import BktParameters


@dataclass(frozen=True)
class ItemOverride:
    """An item whose answers follow their own guess and slip instead of the objective's."""

    guess: float
    slip: float


@dataclass(frozen=True)
class SimulatedObjective:
    name: str
    truth: BktParameters
    items: int = 20
    overrides: dict[int, ItemOverride] = field(default_factory=dict)  # by item position


@dataclass(frozen=True)
class Simulation:
    """Per objective: answers (learners × items, in answer order) and the hidden states."""

    objectives: list[SimulatedObjective]
    correct: dict[str, np.ndarray]  # bool (learners, items)
    known: dict[str, np.ndarray]  # bool (learners, items): the state at each answer

    def reached_known(self, name: str) -> np.ndarray:
        """Whether each learner was in the known state at their last answer."""
        return self.known[name][:, -1]


def simulate(objectives: list[SimulatedObjective], learners: int, seed: int) -> Simulation:
    rng = np.random.default_rng(seed)
    correct, known = {}, {}
    for objective in objectives:
        known[objective.name] = _states(rng, objective, learners)
        correct[objective.name] = _answers(rng, objective, known[objective.name])
    return Simulation(objectives, correct, known)


def _states(rng: np.random.Generator, objective: SimulatedObjective, learners: int) -> np.ndarray:
    states = np.zeros((learners, objective.items), dtype=bool)
    states[:, 0] = rng.random(learners) < objective.truth.prior
    for t in range(1, objective.items):
        learns = rng.random(learners) < objective.truth.learn
        states[:, t] = states[:, t - 1] | learns
    return states


def _answers(
    rng: np.random.Generator, objective: SimulatedObjective, states: np.ndarray
) -> np.ndarray:
    guess = np.full(objective.items, objective.truth.guess)
    slip = np.full(objective.items, objective.truth.slip)
    for position, override in objective.overrides.items():
        guess[position], slip[position] = override.guess, override.slip
    p_correct = np.where(states, 1.0 - slip[None, :], guess[None, :])
    return rng.random(states.shape) < p_correct
