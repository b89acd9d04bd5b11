"""Bayesian Knowledge Tracing: the per-answer update and the EM fit of its four parameters.

BKT is a two-state hidden Markov model (state 0: not known, 1: known) with no forgetting and
Bernoulli emissions: a learner who knows answers correctly unless they slip, one who does not
answers correctly only by guessing, and after each answer an unknown skill becomes known with the
learning probability. ``fit`` is Baum-Welch (forward-backward EM) written in numpy, vectorised over
learners; tests/mastery/test_bkt.py checks its iterates against hmmlearn's ``CategoricalHMM``.

Bounds: guess and slip are capped (0.3 by default). Without a cap the model is symmetric under
swapping the two states (a "known" state that mostly answers wrongly), and EM can drift there;
with P(correct | known) = 1 - slip >= 0.7 > 0.3 >= guess = P(correct | unknown) the labels are
fixed. The cap is applied in the M-step: the expected log-likelihood is concave and separable in
each parameter, so clipping the unconstrained maximiser is the constrained maximiser and every
iteration still does not lower the likelihood.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# Keeps every probability away from 0 and 1, where a log-likelihood becomes infinite.
EPSILON = 1e-6

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BktParameters:
    """P(known before the first answer), P(learning per answer), P(correct | not known) and
    P(wrong | known)."""

    prior: float
    learn: float
    guess: float
    slip: float


@dataclass(frozen=True)
class BktBounds:
    """Largest guess and slip the fit may return (see the module docstring)."""

    max_guess: float = 0.3
    max_slip: float = 0.3


@dataclass(frozen=True)
class BktFit:
    parameters: BktParameters
    log_likelihood: float
    iterations: int
    converged: bool


def update(p_known: float, correct: bool, params: BktParameters) -> float:
    """P(known) after one graded answer: the posterior given the answer, then the learning step.

    The result is the probability that the learner knows the objective at their next answer.
    """
    if correct:
        known = p_known * (1.0 - params.slip)
        posterior = known / (known + (1.0 - p_known) * params.guess)
    else:
        known = p_known * params.slip
        posterior = known / (known + (1.0 - p_known) * (1.0 - params.guess))
    return posterior + (1.0 - posterior) * params.learn


def trace(answers: Sequence[bool], params: BktParameters) -> float:
    """P(known) after a learner's answers in order, starting from the prior."""
    p_known = params.prior
    for correct in answers:
        p_known = update(p_known, correct, params)
    return p_known


@dataclass(frozen=True)
class Sequences:
    """Learners' answer sequences padded into one matrix (rows: learners, columns: answers)."""

    observations: npt.NDArray[np.int8]  # 1 correct, 0 wrong, 0 in padding
    mask: npt.NDArray[np.bool_]  # True where a real answer is
    lengths: npt.NDArray[np.int64]

    @classmethod
    def of(cls, sequences: Sequence[Sequence[bool]]) -> "Sequences":
        kept = [s for s in sequences if len(s) > 0]
        lengths = np.array([len(s) for s in kept], dtype=np.int64)
        width = int(lengths.max()) if len(kept) else 0
        observations = np.zeros((len(kept), width), dtype=np.int8)
        mask = np.zeros((len(kept), width), dtype=np.bool_)
        for row, answers in enumerate(kept):
            observations[row, : len(answers)] = np.asarray(answers, dtype=np.int8)
            mask[row, : len(answers)] = True
        return cls(observations, mask, lengths)

    @property
    def answers(self) -> int:
        return int(self.lengths.sum())


def _emissions(params: BktParameters, observed: npt.NDArray[np.int8]) -> FloatArray:
    """P(answer | state) per learner for one column: shape (learners, 2)."""
    correct = observed.astype(np.float64)
    unknown = params.guess * correct + (1.0 - params.guess) * (1.0 - correct)
    known = (1.0 - params.slip) * correct + params.slip * (1.0 - correct)
    return np.stack([unknown, known], axis=1)


def _transition(params: BktParameters) -> FloatArray:
    return np.array([[1.0 - params.learn, params.learn], [0.0, 1.0]])


def forward(params: BktParameters, data: Sequences) -> tuple[FloatArray, FloatArray]:
    """Scaled forward pass: filtered P(state | answers so far) per step, and the scale factors.

    ``alpha[n, t]`` is P(state at answer t | answers 1..t); ``scale[n, t]`` is P(answer t |
    answers before it), so the log-likelihood is the sum of the logs of the real steps' scales.
    """
    learners, width = data.observations.shape
    alpha = np.zeros((learners, width, 2))
    scale = np.ones((learners, width))
    transition = _transition(params)
    predicted = np.tile([1.0 - params.prior, params.prior], (learners, 1))
    for t in range(width):
        joint = predicted * _emissions(params, data.observations[:, t])
        scale[:, t] = np.where(data.mask[:, t], joint.sum(axis=1), 1.0)
        alpha[:, t] = np.where(data.mask[:, t, None], joint / scale[:, t, None], predicted)
        predicted = alpha[:, t] @ transition
    return alpha, scale


def _backward(params: BktParameters, data: Sequences, scale: FloatArray) -> FloatArray:
    """Scaled backward pass; padding steps carry ones, so every sequence ends where it ends."""
    learners, width = data.observations.shape
    beta = np.ones((learners, width, 2))
    transition = _transition(params)
    for t in range(width - 2, -1, -1):
        following = _emissions(params, data.observations[:, t + 1]) * beta[:, t + 1]
        step = (following @ transition.T) / scale[:, t + 1, None]
        beta[:, t] = np.where(data.mask[:, t + 1, None], step, 1.0)
    return beta


def _expected_counts(
    params: BktParameters, data: Sequences
) -> tuple[FloatArray, FloatArray, float]:
    """E-step: state posteriors (learners, answers, 2), expected learn transitions, log-lik."""
    alpha, scale = forward(params, data)
    beta = _backward(params, data, scale)
    gamma = alpha * beta * data.mask[:, :, None]
    # xi(unknown -> known) between answers t and t+1, for real pairs only.
    following = _emissions(params, data.observations[:, 1:].reshape(-1)).reshape(
        data.observations.shape[0], -1, 2
    )
    learned = (
        alpha[:, :-1, 0]
        * params.learn
        * following[:, :, 1]
        * beta[:, 1:, 1]
        / scale[:, 1:]
        * data.mask[:, 1:]
    )
    log_likelihood = float(np.log(scale).sum())
    return gamma, learned, log_likelihood


def _maximise(
    gamma: FloatArray, learned: FloatArray, data: Sequences, bounds: BktBounds
) -> BktParameters:
    """M-step, with the caps of ``bounds`` (see the module docstring)."""
    correct = data.observations.astype(np.float64)
    unknown, known = gamma[:, :, 0], gamma[:, :, 1]
    leaving_unknown = (unknown * data.mask)[:, :-1] * data.mask[:, 1:]
    prior = gamma[:, 0, 1].mean()
    learn = learned.sum() / max(leaving_unknown.sum(), EPSILON)
    guess = (unknown * correct).sum() / max(unknown.sum(), EPSILON)
    slip = (known * (1.0 - correct)).sum() / max(known.sum(), EPSILON)
    return BktParameters(
        prior=_clip(prior, 1.0 - EPSILON),
        learn=_clip(learn, 1.0 - EPSILON),
        guess=_clip(guess, bounds.max_guess),
        slip=_clip(slip, bounds.max_slip),
    )


def _clip(value: float, upper: float) -> float:
    return float(min(max(value, EPSILON), upper))


def log_likelihood(params: BktParameters, data: Sequences) -> float:
    _, scale = forward(params, data)
    return float(np.log(scale).sum())


def fit(
    sequences: Sequence[Sequence[bool]] | Sequences,
    start: BktParameters,
    *,
    bounds: BktBounds | None = None,
    max_iterations: int = 200,
    tolerance: float = 1e-6,
) -> BktFit:
    """Fit prior, learn, guess and slip to learners' ordered answers by EM, from ``start``.

    Stops when the log-likelihood gains less than ``tolerance`` per answer, or after
    ``max_iterations``; a tolerance of 0 runs exactly ``max_iterations`` steps.
    """
    data = sequences if isinstance(sequences, Sequences) else Sequences.of(sequences)
    if data.answers == 0:
        raise ValueError("no answers to fit")
    bounds = bounds or BktBounds()
    params, previous = start, -np.inf
    for iteration in range(1, max_iterations + 1):
        gamma, learned, current = _expected_counts(params, data)
        if tolerance > 0 and current - previous < tolerance * data.answers:
            return BktFit(params, current, iteration - 1, True)
        params, previous = _maximise(gamma, learned, data, bounds), current
    return BktFit(params, log_likelihood(params, data), max_iterations, tolerance <= 0)


def final_p_known(params: BktParameters, data: Sequences) -> FloatArray:
    """P(known at the next answer) after each learner's last answer, for all learners at once."""
    alpha, _ = forward(params, data)
    last = alpha[np.arange(len(data.lengths)), data.lengths - 1]
    return last[:, 0] * params.learn + last[:, 1]
