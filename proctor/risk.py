"""The risk engine: signals in media-time order in, a timeline of events out. Pure logic: when an
event deserves a keyframe it says so (``EvidenceRequest``) and the caller saves the frame.

How signals make events (per analyser and kind, with the numbers from ``proctor.rules``):
- a suspicious signal starts a run, or continues the run of its analyser and kind;
- an ``ok`` signal ends that run (an ``ok`` without a kind ends all runs of its analyser), so an
  analyser that watches several kinds reports each of them in every frame it judges;
- an ``unavailable`` signal neither starts nor ends anything; it is only counted;
- a run becomes an event once its span reaches the rule's ``min_seconds``: the event starts at
  the run's first suspicious signal and ends at the ``ok`` that ended it (a face gone from 2.0 s
  to the first face seen again at 7.0 s is a 5 s event, whatever the frame rate);
- a suspicious signal within ``merge_gap_seconds`` of that ``ok`` reopens the same run, so one
  missed frame does not split an event; ``finish`` ends what is still running.
"""

import enum
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from proctor.rules import EventRule, default_rules
from proctor.settings import ProctorSettings
from proctor.signals import Signal, SignalKind, SignalStatus
from proctor.timeline import AnalyserAvailability, Event, Timeline

# A keyframe at a new peak only when it exceeds the last keyframe's value by a quarter: a slowly
# creeping angle would otherwise spend the keyframe budget on near-identical pictures.
PEAK_RISE = 1.25


class EvidenceReason(enum.StrEnum):
    OPENED = "opened"
    PEAK = "peak"


@dataclass(frozen=True)
class EvidenceRequest:
    """Keep a keyframe of the frame at ``at`` (the one whose signals were just observed) for
    event ``event_id``, then hand its key back with ``RiskEngine.attach_evidence``."""

    event_id: str
    kind: SignalKind
    at: float
    reason: EvidenceReason


@dataclass
class _Run:
    """Consecutive suspicious signals of one kind from one analyser; an event once it qualifies."""

    analyser: str
    kind: SignalKind
    rule: EventRule
    started_at: float
    latest_at: float
    ended_at: float | None = None
    signal_count: int = 0
    peak_value: float | None = None
    event_id: str | None = None
    keyframes_asked: int = 0
    keyframe_magnitude: float = 0.0
    evidence_keys: list[str] = field(default_factory=list)

    @property
    def span(self) -> float:
        end = self.latest_at if self.ended_at is None else self.ended_at
        return end - self.started_at

    def add(self, at: float, value: float | None) -> None:
        self.ended_at = None
        self.latest_at = at
        self.signal_count += 1
        if value is not None and (self.peak_value is None or abs(value) > abs(self.peak_value)):
            self.peak_value = value

    def is_over_at(self, at: float) -> bool:
        """Whether a suspicious signal at ``at`` starts a new run rather than continuing this."""
        return self.ended_at is not None and not self.rule.keeps_going_after(at - self.ended_at)

    def to_event(self) -> Event:
        assert self.event_id is not None, "only a qualified run is an event"
        return Event(
            id=self.event_id,
            kind=self.kind,
            analyser=self.analyser,
            started_at=self.started_at,
            ended_at=self.ended_at,
            severity=self.rule.severity_for(self.span),
            peak_value=self.peak_value,
            signal_count=self.signal_count,
            evidence_keys=list(self.evidence_keys),
        )


class RiskEngine:
    """One per session. Feed it every signal (frame analysers' and client events') with
    ``observe``, fulfil the evidence requests it returns, and ``finish`` it when the session
    ends. Signals must come in media-time order per analyser; a signal older than its analyser's
    previous one is taken at that previous time (a data channel's clock can jitter)."""

    def __init__(self, rules: Mapping[SignalKind, EventRule]) -> None:
        missing = sorted(set(SignalKind) - set(rules))
        if missing:
            raise ValueError(f"no rule for {', '.join(missing)}")
        self._rules = dict(rules)
        self._runs: dict[tuple[str, SignalKind], _Run] = {}  # the latest run of each key
        self._events: dict[str, _Run] = {}  # every run that became an event, by event id
        self._readings: defaultdict[str, Counter[SignalStatus]] = defaultdict(Counter)
        self._analyser_clock: dict[str, float] = {}
        self._finished_at: float | None = None

    @classmethod
    def from_settings(cls, settings: ProctorSettings) -> "RiskEngine":
        return cls(default_rules(settings))

    @property
    def suspicious_now(self) -> bool:
        """Whether a run worth watching closely (a frame kind, see the rules) is going on now,
        even one not yet long enough to be an event: the sampler then analyses more frames."""
        return any(run.ended_at is None and run.rule.watch_closely for run in self._runs.values())

    def observe(self, signals: Iterable[Signal]) -> list[EvidenceRequest]:
        """Take in signals (typically one frame's, or one client event) and return the keyframes
        wanted for the events they opened or raised to a new peak."""
        if self._finished_at is not None:
            raise RuntimeError("the session has finished")
        requests: list[EvidenceRequest] = []
        for signal in signals:
            at = self._advance_clock(signal)
            self._readings[signal.analyser][signal.status] += 1
            if signal.status is SignalStatus.OK:
                self._end_runs(signal.analyser, signal.kind, at)
            elif signal.status is SignalStatus.SUSPICIOUS:
                requests.extend(self._continue_run(signal, at))
        return requests

    def attach_evidence(self, event_id: str, key: str) -> None:
        """Record the object key of a keyframe saved for an event (also after ``finish``)."""
        run = self._events[event_id]
        if len(run.evidence_keys) >= run.rule.max_keyframes:
            raise ValueError(f"event {event_id} already has its {run.rule.max_keyframes} keyframes")
        run.evidence_keys.append(key)

    def finish(self, at: float) -> Timeline:
        """End the session at ``at``: what is still running ends there (and becomes an event if
        long enough); runs too short to be events are dropped."""
        if self._finished_at is not None:
            raise RuntimeError("the session has finished")
        for run in self._runs.values():
            if run.ended_at is None:
                run.ended_at = max(at, run.latest_at)
                self._open_if_qualified(run)
        self._runs.clear()
        self._finished_at = at
        return self.timeline()

    def timeline(self) -> Timeline:
        """The events so far, sorted by start (open ones with no end), and each analyser's
        readings."""
        events = sorted(
            (run.to_event() for run in self._events.values()),
            key=lambda event: (event.started_at, event.kind),
        )
        availability = {
            analyser: AnalyserAvailability(
                ok=readings[SignalStatus.OK],
                suspicious=readings[SignalStatus.SUSPICIOUS],
                unavailable=readings[SignalStatus.UNAVAILABLE],
            )
            for analyser, readings in self._readings.items()
        }
        return Timeline(events=events, availability=availability, finished_at=self._finished_at)

    def _advance_clock(self, signal: Signal) -> float:
        at = max(signal.at, self._analyser_clock.get(signal.analyser, 0.0))
        self._analyser_clock[signal.analyser] = at
        return at

    def _end_runs(self, analyser: str, kind: SignalKind | None, at: float) -> None:
        for (run_analyser, run_kind), run in self._runs.items():
            if run_analyser == analyser and kind in (None, run_kind) and run.ended_at is None:
                run.ended_at = at
                # A pair (stream lost → back) may only now have lasted long enough.
                self._open_if_qualified(run)

    def _continue_run(self, signal: Signal, at: float) -> list[EvidenceRequest]:
        if signal.kind is None:
            raise ValueError(f"a suspicious signal from {signal.analyser} must name its kind")
        key = (signal.analyser, signal.kind)
        run = self._runs.get(key)
        if run is None or run.is_over_at(at):
            rule = self._rules[signal.kind]
            run = self._runs[key] = _Run(signal.analyser, signal.kind, rule, at, at)
        run.add(at, signal.value)
        request = self._evidence_wanted(run, at, signal.value)
        if run.rule.instant:
            run.ended_at = at
        return [] if request is None else [request]

    def _evidence_wanted(self, run: _Run, at: float, value: float | None) -> EvidenceRequest | None:
        magnitude = 0.0 if value is None else abs(value)
        event_id = run.event_id
        if event_id is None:
            event_id = self._open_if_qualified(run)
            if event_id is None:
                return None
            reason = EvidenceReason.OPENED
        elif magnitude > run.keyframe_magnitude * PEAK_RISE:
            reason = EvidenceReason.PEAK
        else:
            return None
        if run.keyframes_asked >= run.rule.max_keyframes:
            return None
        run.keyframes_asked += 1
        run.keyframe_magnitude = magnitude
        return EvidenceRequest(event_id, run.kind, at, reason)

    def _open_if_qualified(self, run: _Run) -> str | None:
        """Make the run an event if it has lasted long enough; its event id if it is one."""
        if run.event_id is None and run.rule.qualifies(run.span):
            run.event_id = uuid.uuid4().hex
            self._events[run.event_id] = run
        return run.event_id
