"""Bootstrap intervals: a suite's figures are means over a sample of questions, and a difference of
one question between two models must not be called an improvement."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

RESAMPLES = 2000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """A mean and its percentile-bootstrap interval over ``n`` examples."""

    mean: float
    low: float
    high: float
    n: int

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def __str__(self) -> str:
        return f"{self.mean:.3f} [{self.low:.3f}, {self.high:.3f}]"


def _interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_mean(
    values: Sequence[float],
    seed: int = 0,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
) -> Estimate:
    """The mean of ``values`` with its bootstrap interval (an empty sample has no estimate)."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("no examples to estimate from")
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(resamples, data.size))].mean(axis=1)
    low, high = _interval(means, confidence)
    return Estimate(float(data.mean()), low, high, int(data.size))


def bootstrap_difference(
    before: Mapping[str, float],
    after: Mapping[str, float],
    seed: int = 0,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
) -> Estimate:
    """``after - before``. Examples both runs scored are paired (resampled together: the same
    question asked of two models), which is what makes a small sample's difference meaningful;
    without shared examples the two samples are resampled independently."""
    shared = sorted(before.keys() & after.keys())
    rng = np.random.default_rng(seed)
    if shared:
        deltas = np.array([after[key] - before[key] for key in shared], dtype=float)
        picks = rng.integers(0, deltas.size, size=(resamples, deltas.size))
        samples = deltas[picks].mean(axis=1)
        low, high = _interval(samples, confidence)
        return Estimate(float(deltas.mean()), low, high, int(deltas.size))
    a = np.asarray(list(before.values()), dtype=float)
    b = np.asarray(list(after.values()), dtype=float)
    if a.size == 0 or b.size == 0:
        raise ValueError("no examples to compare")
    samples = b[rng.integers(0, b.size, size=(resamples, b.size))].mean(axis=1) - a[
        rng.integers(0, a.size, size=(resamples, a.size))
    ].mean(axis=1)
    low, high = _interval(samples, confidence)
    return Estimate(float(b.mean() - a.mean()), low, high, int(min(a.size, b.size)))
