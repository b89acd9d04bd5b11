"""The BKT update and the numpy EM, checked against the closed form and against hmmlearn."""

import numpy as np
import pytest
from hmmlearn.hmm import CategoricalHMM

from platform_api.mastery import bkt
from tests.mastery.simulator import SimulatedObjective, simulate

TRUTH = bkt.BktParameters(prior=0.2, learn=0.15, guess=0.25, slip=0.1)
START = bkt.BktParameters(prior=0.25, learn=0.1, guess=0.2, slip=0.1)


@pytest.fixture(scope="module")
def answers() -> list[list[bool]]:
    simulation = simulate([SimulatedObjective("A", TRUTH)], learners=300, seed=1)
    return simulation.correct["A"].tolist()


def test_update_is_the_posterior_then_the_learning_step() -> None:
    params = bkt.BktParameters(prior=0.5, learn=0.1, guess=0.2, slip=0.1)
    # correct: 0.5·0.9 / (0.5·0.9 + 0.5·0.2) = 9/11, then 9/11 + (2/11)·0.1
    assert bkt.update(0.5, True, params) == pytest.approx(9 / 11 + 0.2 / 11)
    # wrong: 0.5·0.1 / (0.5·0.1 + 0.5·0.8) = 1/9, then 1/9 + (8/9)·0.1
    assert bkt.update(0.5, False, params) == pytest.approx(1 / 9 + 0.8 / 9)


def _hmmlearn_model(start: bkt.BktParameters, iterations: int) -> CategoricalHMM:
    """BKT as hmmlearn's categorical HMM: a zero 'forget' entry stays zero under EM."""
    model = CategoricalHMM(
        n_components=2, init_params="", params="ste", n_iter=iterations, tol=-np.inf
    )
    model.startprob_ = np.array([1 - start.prior, start.prior])
    model.transmat_ = np.array([[1 - start.learn, start.learn], [0.0, 1.0]])
    model.emissionprob_ = np.array([[1 - start.guess, start.guess], [start.slip, 1 - start.slip]])
    return model


def test_em_matches_hmmlearn_step_for_step(answers: list[list[bool]]) -> None:
    # hmmlearn loops over sequences in Python (~1 ms each per iteration): 100 learners, 10 steps.
    answers, iterations = answers[:100], 10
    ours = bkt.fit(
        answers, START, bounds=bkt.BktBounds(1.0, 1.0), max_iterations=iterations, tolerance=0
    )
    model = _hmmlearn_model(START, iterations)
    observations = np.asarray(answers, dtype=int)
    model.fit(observations.reshape(-1, 1), lengths=[len(a) for a in answers])
    theirs = (
        model.startprob_[1],
        model.transmat_[0, 1],
        model.emissionprob_[0, 1],
        model.emissionprob_[1, 0],
    )
    fitted = ours.parameters
    assert (fitted.prior, fitted.learn, fitted.guess, fitted.slip) == pytest.approx(
        theirs, abs=1e-9
    )
    assert model.transmat_[1, 0] == 0.0  # no forgetting, there as here
    score = model.score(observations.reshape(-1, 1), lengths=[len(a) for a in answers])
    assert ours.log_likelihood == pytest.approx(score, rel=1e-9)


def test_vectorised_final_state_equals_the_per_answer_updates(answers: list[list[bool]]) -> None:
    final = bkt.final_p_known(TRUTH, bkt.Sequences.of([*answers[:50], [True], [False, True]]))
    expected = [bkt.trace(a, TRUTH) for a in [*answers[:50], [True], [False, True]]]
    assert final == pytest.approx(expected, abs=1e-12)


def test_caps_keep_the_states_apart_from_a_swapped_start(answers: list[list[bool]]) -> None:
    """Started with the labels swapped (a 'known' state that mostly errs), the capped EM still
    ends where it ends from the usual start."""
    swapped = bkt.BktParameters(prior=0.8, learn=0.1, guess=0.8, slip=0.7)
    from_swapped = bkt.fit(answers, swapped).parameters
    from_usual = bkt.fit(answers, START).parameters
    assert from_swapped.guess <= 0.3 and from_swapped.slip <= 0.3
    for name in ("prior", "learn", "guess", "slip"):
        assert getattr(from_swapped, name) == pytest.approx(getattr(from_usual, name), abs=0.01)
