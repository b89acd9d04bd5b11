"""Intervals and verdicts: a difference of one question is not an improvement; a consistent
difference is; a regression must be worse than the metric's tolerance and clear of zero."""

import pytest

from evals.compare import LoggedRun, verdict
from evals.stats import bootstrap_difference, bootstrap_mean
from evals.suite import Metric
from pipelines.promote.decision import decide

ACCURACY = Metric("accuracy", "share right", tolerance=0.02)
NLL = Metric("nll", "nats per token", better="lower", tolerance=0.05)


def scores(values: list[float]) -> dict[str, float]:
    return {f"q{i}": v for i, v in enumerate(values)}


def test_the_mean_lies_in_its_interval_and_a_bigger_sample_narrows_it() -> None:
    small = bootstrap_mean([1, 0, 1, 1, 0, 0, 1, 0])
    large = bootstrap_mean([1, 0, 1, 1, 0, 0, 1, 0] * 20)
    assert small.low <= small.mean <= small.high
    assert (large.high - large.low) < (small.high - small.low)
    with pytest.raises(ValueError):
        bootstrap_mean([])


def test_one_more_right_answer_in_twenty_is_no_clear_difference() -> None:
    before = scores([1.0] * 10 + [0.0] * 10)
    after = dict(before, q10=1.0)
    difference = bootstrap_difference(before, after)
    assert difference.mean == pytest.approx(0.05)
    assert verdict(ACCURACY, difference) == "no clear difference"


def test_a_consistent_gain_is_an_improvement_and_its_mirror_a_regression() -> None:
    before = scores([0.0] * 12 + [1.0] * 8)
    after = scores([1.0] * 12 + [1.0] * 8)
    assert verdict(ACCURACY, bootstrap_difference(before, after)) == "improved"
    assert verdict(ACCURACY, bootstrap_difference(after, before)) == "regressed"


def test_lower_is_better_turns_the_verdict_around() -> None:
    worse = scores([3.0, 3.2, 2.9, 3.1, 3.0, 3.3])
    better = scores([2.0, 2.1, 1.9, 2.2, 2.0, 2.1])
    assert verdict(NLL, bootstrap_difference(worse, better)) == "improved"
    assert verdict(NLL, bootstrap_difference(better, worse)) == "regressed"


def test_a_small_clear_loss_within_tolerance_is_not_a_regression() -> None:
    before = scores([2.00, 2.00, 2.00, 2.00, 2.00, 2.00])
    after = scores([2.02, 2.03, 2.02, 2.03, 2.02, 2.03])
    difference = bootstrap_difference(before, after)
    assert difference.high > difference.low > 0  # clearly worse …
    assert verdict(NLL, difference) == "no clear difference"  # … but within 0.05 nats


def logged(suite: str, metric: Metric, values: list[float]) -> LoggedRun:
    return LoggedRun("run", suite, "model", (metric,), metric.name, {metric.name: scores(values)})


def test_the_gate_promotes_only_an_improvement_with_no_regression() -> None:
    champion = {
        "model": logged("model", NLL, [3.0] * 6),
        "safety": logged("safety", ACCURACY, [1.0] * 6),
    }
    better = {
        "model": logged("model", NLL, [2.0] * 6),
        "safety": logged("safety", ACCURACY, [1.0] * 6),
    }
    assert decide(champion, better, "model", []).promote

    unsafe = {**better, "safety": logged("safety", ACCURACY, [0.0] * 6)}
    refused = decide(champion, unsafe, "model", [])
    assert not refused.promote and refused.regressing_suites == ["safety"]
    assert "safety.accuracy" in refused.reason

    same = {**champion}
    assert not decide(champion, same, "model", []).promote

    assert decide(None, better, "model", []).promote
    assert not decide(None, better, "model", ["safety.accuracy"]).promote
