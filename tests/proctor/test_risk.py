"""The risk engine on hand-built signal sequences: the readings analysers and the client send."""

import numpy as np
import pytest
from pydantic import ValidationError

from proctor.risk import EvidenceReason, RiskEngine
from proctor.rules import EventRule, default_rules
from proctor.settings import ProctorSettings
from proctor.signals import Signal, SignalKind, SignalStatus
from proctor.timeline import Severity

FPS = 5
SETTINGS = ProctorSettings(
    face_absent_seconds=1.0, looking_away_seconds=3.0, reconnect_grace_seconds=20.0
)


def engine() -> RiskEngine:
    return RiskEngine.from_settings(SETTINGS)


def frame_times(start: float, end: float, *, jitter: float = 0.0, seed: int = 0) -> list[float]:
    """Media times of frames at ``FPS`` in [start, end), each moved by up to ±``jitter`` s."""
    steps = np.arange(round((end - start) * FPS))
    moved = np.random.default_rng(seed).uniform(-jitter, jitter, len(steps))
    return [max(0.0, start + step / FPS + shift) for step, shift in zip(steps, moved, strict=True)]


def reading(
    analyser: str,
    at: float,
    status: SignalStatus,
    kind: SignalKind | None = None,
    value: float | None = None,
) -> Signal:
    return Signal(analyser=analyser, at=at, status=status, kind=kind, value=value)


def face_reading(at: float, *, present: bool) -> Signal:
    status = SignalStatus.OK if present else SignalStatus.SUSPICIOUS
    return reading("faces", at, status, SignalKind.FACE_ABSENT)


def face_readings(
    absences: list[tuple[float, float]], *, until: float, jitter: float = 0.0
) -> list[Signal]:
    """A face analyser's readings over a session whose learner is gone during ``absences``."""
    return [
        face_reading(at, present=not any(start <= at < end for start, end in absences))
        for at in frame_times(0.0, until, jitter=jitter)
    ]


def client(at: float, kind: SignalKind, status: SignalStatus) -> Signal:
    return reading("client", at, status, kind)


@pytest.mark.parametrize("jitter", [0.0, 0.03])
def test_a_face_gone_for_5_s_at_5_fps_is_one_event_of_5_s(jitter: float) -> None:
    risk = engine()
    readings = face_readings([(3.0, 8.0)], until=12.0, jitter=jitter)
    risk.observe(readings)
    timeline = risk.finish(12.0)

    [event] = timeline.events
    assert event.kind is SignalKind.FACE_ABSENT
    assert event.ended_at is not None
    assert abs(event.ended_at - event.started_at - 5.0) <= 1.0
    assert abs(event.started_at - 3.0) <= 1 / FPS + jitter
    assert event.signal_count == sum(r.status is SignalStatus.SUSPICIOUS for r in readings)
    assert event.analyser == "faces"


def test_a_flicker_shorter_than_the_minimum_makes_no_event() -> None:
    risk = engine()
    # Gone for 0.6 s (three frames) every 4 s: each time back before face_absent_seconds.
    flickers = [(start, start + 0.6) for start in (2.0, 6.0, 10.0)]
    risk.observe(face_readings(flickers, until=14.0))

    timeline = risk.finish(14.0)

    assert timeline.events == []
    assert timeline.availability["faces"].suspicious == 9


def test_a_calm_spell_inside_the_merge_gap_keeps_one_event_and_a_longer_one_splits_it() -> None:
    inside, beyond = engine(), engine()
    # One frame sees a face for 0.4 s (two frames) in the middle of an absence; the gap is 1 s.
    inside.observe(face_readings([(2.0, 5.0), (5.4, 9.0)], until=12.0))
    beyond.observe(face_readings([(2.0, 5.0), (7.0, 9.0)], until=12.0))

    [merged] = inside.finish(12.0).events
    first, second = beyond.finish(12.0).events

    assert (merged.started_at, merged.ended_at) == pytest.approx((2.0, 9.0))
    assert merged.signal_count == 33
    assert (first.ended_at, second.started_at) == pytest.approx((5.0, 7.0))


def test_unavailable_readings_are_counted_and_neither_open_nor_close() -> None:
    risk = engine()
    for index, at in enumerate(frame_times(0.0, 10.0)):
        # Identity cannot judge 2 frames in 5; objects have no detector at all.
        identity = SignalStatus.UNAVAILABLE if index % 5 < 2 else SignalStatus.OK
        risk.observe(
            [
                reading("identity", at, identity),
                reading("objects", at, SignalStatus.UNAVAILABLE),
            ]
        )
    # A face run that the analyser cannot judge halfway through is still one run.
    risk.observe([face_reading(10.0, present=False)])
    risk.observe([reading("faces", 11.0, SignalStatus.UNAVAILABLE)])
    risk.observe([face_reading(12.5, present=True)])
    timeline = risk.finish(13.0)

    assert timeline.availability["identity"].unavailable == 20
    assert timeline.availability["identity"].ok == 30
    assert timeline.availability_notes() == [
        "faces: unavailable 33 % of readings",
        "identity: unavailable 40 % of readings",
        "objects: unavailable",
    ]
    [event] = timeline.events
    assert (event.started_at, event.ended_at) == (10.0, 12.5)


def test_client_instants_close_together_are_one_event_and_far_apart_are_two() -> None:
    risk = engine()
    for at in (30.0, 30.5, 31.5, 40.0):
        risk.observe([client(at, SignalKind.COPY_PASTE, SignalStatus.SUSPICIOUS)])
        assert not risk.suspicious_now

    burst, single = risk.finish(60.0).events

    assert (burst.started_at, burst.ended_at, burst.signal_count) == (30.0, 31.5, 3)
    assert (single.started_at, single.ended_at, single.signal_count) == (40.0, 40.0, 1)
    assert burst.severity is Severity.MEDIUM


def test_hidden_then_visible_is_one_event_per_pair_and_pairs_of_other_kinds_are_apart() -> None:
    risk = engine()
    risk.observe([client(12.0, SignalKind.TAB_HIDDEN, SignalStatus.SUSPICIOUS)])
    risk.observe([client(13.0, SignalKind.FULLSCREEN_EXIT, SignalStatus.SUSPICIOUS)])
    [hidden_open, fullscreen_open] = risk.timeline().events
    risk.observe([client(19.5, SignalKind.TAB_HIDDEN, SignalStatus.OK)])
    risk.observe([client(25.0, SignalKind.TAB_HIDDEN, SignalStatus.SUSPICIOUS)])
    risk.observe([client(26.0, SignalKind.TAB_HIDDEN, SignalStatus.OK)])
    risk.observe([client(40.0, SignalKind.FULLSCREEN_EXIT, SignalStatus.OK)])

    long_hidden, fullscreen, short_hidden = risk.finish(60.0).events

    assert hidden_open.ended_at is None and fullscreen_open.ended_at is None
    assert (long_hidden.kind, long_hidden.started_at, long_hidden.ended_at) == (
        SignalKind.TAB_HIDDEN,
        12.0,
        19.5,
    )
    assert long_hidden.severity is Severity.MEDIUM  # hidden 7.5 s: past 5 s
    assert (short_hidden.started_at, short_hidden.ended_at) == (25.0, 26.0)
    assert short_hidden.severity is Severity.LOW
    assert (fullscreen.started_at, fullscreen.ended_at) == (13.0, 40.0)


def test_finish_ends_what_is_running_and_drops_what_is_too_short() -> None:
    risk = engine()
    risk.observe(face_readings([(50.0, 60.0)], until=60.0))
    risk.observe([client(59.7, SignalKind.TAB_HIDDEN, SignalStatus.SUSPICIOUS)])
    looking_away = reading("pose", 58.0, SignalStatus.SUSPICIOUS, SignalKind.LOOKING_AWAY)
    risk.observe([looking_away])  # 2 s before the end: shorter than looking_away_seconds

    timeline = risk.finish(60.0)

    absent, hidden = timeline.events
    assert (absent.kind, absent.started_at, absent.ended_at) == (SignalKind.FACE_ABSENT, 50, 60)
    assert (hidden.kind, hidden.ended_at) == (SignalKind.TAB_HIDDEN, 60.0)
    assert timeline.finished_at == 60.0
    with pytest.raises(RuntimeError):
        risk.observe([face_reading(61.0, present=True)])


@pytest.mark.parametrize(("back_at", "events"), [(15.0, 0), (125.0, 1)])
def test_a_lost_stream_is_an_event_only_beyond_the_grace_period(
    back_at: float, events: int
) -> None:
    risk = engine()
    risk.observe([reading("ingest", 100.0, SignalStatus.SUSPICIOUS, SignalKind.STREAM_LOST)])
    assert not risk.suspicious_now  # no frames to sample faster

    risk.observe([reading("ingest", 100.0 + back_at, SignalStatus.OK)])

    assert len(risk.finish(300.0).events) == events


def test_severity_rises_with_the_span_of_looking_away() -> None:
    risk = engine()
    severities = {}
    for at in frame_times(0.0, 40.0):
        risk.observe([reading("pose", at, SignalStatus.SUSPICIOUS, SignalKind.LOOKING_AWAY, 40.0)])
        severities[round(at, 1)] = [event.severity for event in risk.timeline().events]

    assert severities[2.8] == []  # not yet looking_away_seconds
    assert severities[3.0] == [Severity.LOW]
    assert severities[12.0] == [Severity.MEDIUM]
    assert severities[35.0] == [Severity.HIGH]


def test_suspicious_now_follows_frame_runs_from_their_first_signal() -> None:
    risk = engine()
    risk.observe([face_reading(1.0, present=True)])
    assert not risk.suspicious_now
    risk.observe([face_reading(1.2, present=False)])  # not an event yet, but worth a closer look
    assert risk.suspicious_now
    risk.observe([client(1.3, SignalKind.SECOND_SCREEN, SignalStatus.SUSPICIOUS)])
    risk.observe([face_reading(1.4, present=True)])
    assert not risk.suspicious_now


def test_an_ok_without_kind_ends_every_run_of_its_analyser_only() -> None:
    risk = engine()
    for at in frame_times(0.0, 2.0):
        risk.observe(
            [
                reading("objects", at, SignalStatus.SUSPICIOUS, SignalKind.OBJECT_PHONE, 0.7),
                reading("objects", at, SignalStatus.SUSPICIOUS, SignalKind.EXTRA_PERSON, 0.9),
                face_reading(at, present=False),
            ]
        )
    risk.observe([reading("objects", 2.0, SignalStatus.OK)])

    events = {event.kind: event for event in risk.timeline().events}

    assert events[SignalKind.OBJECT_PHONE].ended_at == 2.0
    assert events[SignalKind.EXTRA_PERSON].ended_at == 2.0
    assert events[SignalKind.OBJECT_PHONE].peak_value == 0.7
    assert events[SignalKind.FACE_ABSENT].ended_at is None


def test_an_opening_event_asks_for_one_keyframe_at_the_signal_that_opened_it() -> None:
    risk = engine()
    requests = [risk.observe([reading]) for reading in face_readings([(2.0, 6.0)], until=8.0)]

    asked = [request for batch in requests for request in batch]
    [event] = risk.finish(8.0).events

    [opened] = asked
    assert (opened.event_id, opened.kind, opened.reason) == (
        event.id,
        SignalKind.FACE_ABSENT,
        EvidenceReason.OPENED,
    )
    assert opened.at == pytest.approx(3.0)  # the first frame 1 s (face_absent_seconds) in


def test_a_signal_behind_its_analysers_clock_is_taken_at_that_clock() -> None:
    risk = engine()
    risk.observe([client(10.0, SignalKind.WINDOW_BLUR, SignalStatus.SUSPICIOUS)])
    risk.observe([client(9.5, SignalKind.WINDOW_BLUR, SignalStatus.OK)])

    [blur] = risk.finish(20.0).events

    assert (blur.started_at, blur.ended_at) == (10.0, 10.0)


def test_the_default_table_has_a_rule_for_every_kind_and_the_engine_insists() -> None:
    rules = dict(default_rules(SETTINGS))
    assert set(rules) == set(SignalKind)
    del rules[SignalKind.COPY_PASTE]

    with pytest.raises(ValueError, match="copy_paste"):
        RiskEngine(rules)


@pytest.mark.parametrize(
    "rule",
    [
        {"severity_after": ((1.0, Severity.LOW),)},
        {"severity_after": ((0.0, Severity.LOW), (10.0, Severity.HIGH), (5.0, Severity.MEDIUM))},
        {"severity_after": ((0.0, Severity.LOW),), "instant": True, "min_seconds": 1.0},
    ],
)
def test_a_rule_that_cannot_hold_is_refused(rule: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        EventRule.model_validate(rule)


def test_a_suspicious_signal_without_a_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="name its kind"):
        engine().observe([reading("faces", 1.0, SignalStatus.SUSPICIOUS)])
