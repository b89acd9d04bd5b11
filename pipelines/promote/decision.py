"""The gate's rule, as a pure function of the two models' suite runs: promote when the target
suite's target metric improved beyond its interval and no metric of any suite regressed beyond its
tolerance. Without a champion, a candidate that passes every suite's thresholds becomes one."""

from collections.abc import Mapping
from dataclasses import dataclass

from evals.compare import Delta, LoggedRun, compare


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str
    deltas: dict[str, list[Delta]]  # suite → deltas (empty without a champion)
    regressions: list[tuple[str, Delta]]

    @property
    def regressing_suites(self) -> list[str]:
        return sorted({suite for suite, _ in self.regressions})


def _describe(suite: str, delta: Delta) -> str:
    d = delta.difference
    interval = f" [{d.low:+.3f}, {d.high:+.3f}]" if d else ""
    change = f"{d.mean:+.3f}" if d else "n/a"
    return f"{suite}.{delta.metric.name} {change}{interval}"


def decide(
    champion: Mapping[str, LoggedRun] | None,
    candidate: Mapping[str, LoggedRun],
    target_suite: str,
    failed_thresholds: list[str],
) -> Decision:
    if champion is None:
        if failed_thresholds:
            reason = "no champion yet, and the candidate misses " + ", ".join(failed_thresholds)
            return Decision(False, reason, {}, [])
        return Decision(True, "no champion yet; the candidate passes every threshold", {}, [])
    deltas = {suite: compare(champion[suite], candidate[suite]) for suite in candidate}
    regressions = [
        (suite, delta)
        for suite, found in deltas.items()
        for delta in found
        if delta.verdict == "regressed"
    ]
    target_name = candidate[target_suite].target_metric
    target = next(d for d in deltas[target_suite] if d.metric.name == target_name)
    if regressions:
        listed = "; ".join(_describe(suite, delta) for suite, delta in regressions)
        return Decision(False, f"regressed: {listed}", deltas, regressions)
    if target.verdict != "improved":
        reason = f"{_describe(target_suite, target)} is not an improvement beyond its interval"
        return Decision(False, reason, deltas, [])
    return Decision(True, f"improved: {_describe(target_suite, target)}", deltas, [])
