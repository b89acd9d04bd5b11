"""BKT update latency per graded answer, next to the bare computation and the library call.

    .venv/bin/python bench/mastery.py [--samples 20000]

``bench/learning.py`` calls ``bkt_update_latency()`` and prints ``latency_table(rows)`` with its
other sections. Rows (p50/p95 in microseconds, one timed call per sample; the clock read itself
costs ~0.1 µs on this machine and is included):

- ``platform update``: ``platform_api.mastery.bkt.update``, one answer (goal: < 1 ms);
- ``platform recompute (20 answers)``: what the consumer does per graded answer before its SQL,
  ``bkt.trace`` over a 20-answer history (it recomputes from the ordered history; see
  ``platform_api.mastery.service``);
- ``bare expression``: the same arithmetic inline, no function call (the floor in Python);
- ``numpy one step``: the posterior and the transition as 2-vector numpy operations;
- ``hmmlearn one step``: ``CategoricalHMM.predict_proba`` of one answer (its forward-backward
  with input checks), the maintained library's call for the same step.
"""

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from platform_api.mastery import bkt

PARAMS = bkt.BktParameters(prior=0.2, learn=0.15, guess=0.25, slip=0.1)
GOAL_US = 1000.0


@dataclass(frozen=True)
class LatencyRow:
    name: str
    p50_us: float
    p95_us: float
    calls: int


def _timed(name: str, calls: int, step: Callable[[int], object]) -> LatencyRow:
    durations = np.empty(calls)
    for index in range(calls):
        start = time.perf_counter_ns()
        step(index)
        durations[index] = time.perf_counter_ns() - start
    p50, p95 = np.percentile(durations, [50, 95]) / 1000
    return LatencyRow(name, float(p50), float(p95), calls)


def _bare(p: float, correct: bool) -> float:
    g, s, t = PARAMS.guess, PARAMS.slip, PARAMS.learn
    if correct:
        post = p * (1 - s) / (p * (1 - s) + (1 - p) * g)
    else:
        post = p * s / (p * s + (1 - p) * (1 - g))
    return post + (1 - post) * t


def bkt_update_latency(samples: int = 20_000, seed: int = 0) -> list[LatencyRow]:
    """Time each way of applying one graded answer to a learner's P(known)."""
    rng = np.random.default_rng(seed)
    answers = (rng.random(samples) < 0.6).tolist()
    p_known = rng.uniform(0.05, 0.95, samples).tolist()
    histories = [answers[i : i + 20] for i in range(0, max(samples - 20, 1), 7)]
    transition = np.array([[1 - PARAMS.learn, PARAMS.learn], [0.0, 1.0]])
    emissions = np.array([[1 - PARAMS.guess, PARAMS.guess], [PARAMS.slip, 1 - PARAMS.slip]])

    def numpy_step(i: int) -> object:
        joint = np.array([1 - p_known[i], p_known[i]]) * emissions[:, int(answers[i])]
        return (joint / joint.sum()) @ transition

    model = _hmmlearn_model()
    one_answer = [np.array([[int(a)]]) for a in answers[:2000]]
    rows = [
        _timed("platform update", samples, lambda i: bkt.update(p_known[i], answers[i], PARAMS)),
        _timed(
            "platform recompute (20 answers)",
            len(histories),
            lambda i: bkt.trace(histories[i], PARAMS),
        ),
        _timed("bare expression", samples, lambda i: _bare(p_known[i], answers[i])),
        _timed("numpy one step", samples, numpy_step),
    ]
    if model is not None:
        rows.append(
            _timed(
                "hmmlearn one step", len(one_answer), lambda i: model.predict_proba(one_answer[i])
            )
        )
    return rows


def _hmmlearn_model() -> Any:
    try:
        from hmmlearn.hmm import CategoricalHMM
    except ImportError:  # a test extra; without it the row is left out
        return None
    model = CategoricalHMM(n_components=2, init_params="", params="")
    model.startprob_ = np.array([1 - PARAMS.prior, PARAMS.prior])
    model.transmat_ = np.array([[1 - PARAMS.learn, PARAMS.learn], [0.0, 1.0]])
    model.emissionprob_ = np.array(
        [[1 - PARAMS.guess, PARAMS.guess], [PARAMS.slip, 1 - PARAMS.slip]]
    )
    model.n_features = 2
    return model


def latency_table(rows: list[LatencyRow]) -> Table:
    table = Table(title="BKT update per graded answer (goal p95 < 1 ms)")
    for column in ("computation", "p50 µs", "p95 µs", "calls", "within goal"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.name,
            f"{row.p50_us:.2f}",
            f"{row.p95_us:.2f}",
            str(row.calls),
            "yes" if row.p95_us < GOAL_US else "no",
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20_000)
    args = parser.parse_args()
    Console(width=120).print(latency_table(bkt_update_latency(args.samples)))


if __name__ == "__main__":
    main()
