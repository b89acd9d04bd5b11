"""The rules that turn runs of suspicious signals into events: one ``EventRule`` per signal kind.

The table is data: change a number here (or pass another table to ``RiskEngine``), not the engine.
Times are seconds of media time. "span" is how long a run has lasted: from its first suspicious
signal to the latest one, or to the ``ok`` signal (or session end) that ended it.

=================  =========  =====  ==========================  =========  =======
kind               min span   gap    severity after (s)          keyframes  shape
=================  =========  =====  ==========================  =========  =======
face_absent        settings   1      low 0, medium 5, high 15    3          run
multiple_faces     0.5        1      medium 0, high 3            3          run
looking_away       settings   1      low 0, medium 10, high 30   3          run
identity_mismatch  0          check  medium 0, high check        3          run
left_seat          1          1      medium 0, high 10           3          run
object_phone       0.5        1      high 0                      3          run
object_book        1          1      medium 0, high 10           3          run
extra_person       0.5        1      high 0                      3          run
tab_hidden         0          0      low 0, medium 5, high 30    1          pair
window_blur        0          0      low 0, medium 10, high 60   1          pair
fullscreen_exit    0          0      low 0, medium 10, high 60   1          pair
second_screen      0          0      medium 0                    1          pair
copy_paste         0          2      medium 0                    1          instant
stream_lost        settings   0      medium 0, high 60           0          pair
=================  =========  =====  ==========================  =========  =======

"settings": ``face_absent_seconds``, ``looking_away_seconds``, ``reconnect_grace_seconds``.
"check": ``identity_every_seconds``: one ``ok`` check between two mismatches is still the same
event, and a mismatch confirmed by the next check is high. Shapes: a *run* is a stream of
per-frame readings; a *pair* is a client event with a start (suspicious) and an end (``ok`` of
the same kind: hidden → visible); an *instant* has no end (a paste), and instants closer than
the gap count as one event. Stream loss has no frame to keep, hence no keyframe. While a run of
a frame kind (the first eight) is open the sampler analyses more frames, to time it well; client
events and stream loss do not need more frames (a second screen would double a whole session).
"""

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from proctor.settings import ProctorSettings
from proctor.signals import SignalKind
from proctor.timeline import Severity

LOW, MEDIUM, HIGH = Severity.LOW, Severity.MEDIUM, Severity.HIGH
# Media times are sums of frame intervals in floating point: 2.0 + 5 × 0.2 may land a hair under
# 3.0, and a rule's threshold must not depend on that.
TIME_TOLERANCE = 1e-6


class EventRule(BaseModel):
    """When a run of one kind becomes an event, when a calm spell still belongs to it, and how
    severe it is by its span."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_seconds: float = Field(0.0, ge=0, description="Span a run needs to become an event.")
    merge_gap_seconds: float = Field(
        0.0, ge=0, description="A calm spell at most this long keeps the run (and event) going."
    )
    severity_after: tuple[tuple[float, Severity], ...] = Field(
        min_length=1, description="(seconds of span, severity from then on), from 0, ascending."
    )
    max_keyframes: int = Field(0, ge=0, description="Keyframes the engine asks for per event.")
    instant: bool = Field(False, description="Each signal is a moment; no ok ends it.")
    watch_closely: bool = Field(
        False, description="While a run is open, the sampler analyses frames at its faster rate."
    )

    @model_validator(mode="after")
    def _steps_start_at_zero_and_ascend(self) -> "EventRule":
        seconds = [after for after, _ in self.severity_after]
        if seconds[0] != 0 or seconds != sorted(set(seconds)):
            raise ValueError("severity_after must start at 0 s and ascend")
        if self.instant and self.min_seconds:
            raise ValueError("an instant has no span to wait for: min_seconds must be 0")
        return self

    def qualifies(self, span: float) -> bool:
        """Whether a run that has lasted ``span`` seconds is an event."""
        return span >= self.min_seconds - TIME_TOLERANCE

    def keeps_going_after(self, calm_seconds: float) -> bool:
        """Whether a run calm for ``calm_seconds`` continues when its kind is seen again."""
        return calm_seconds <= self.merge_gap_seconds + TIME_TOLERANCE

    def severity_for(self, span: float) -> Severity:
        """The severity of an event that has lasted ``span`` seconds."""
        reached = [level for after, level in self.severity_after if span >= after - TIME_TOLERANCE]
        return reached[-1]


def default_rules(settings: ProctorSettings) -> Mapping[SignalKind, EventRule]:
    """The table above, with the durations that settings own."""
    absent = settings.face_absent_seconds
    away = settings.looking_away_seconds
    check = settings.identity_every_seconds
    return {
        SignalKind.FACE_ABSENT: _frame_rule(absent, (0, LOW), (5, MEDIUM), (15, HIGH)),
        SignalKind.MULTIPLE_FACES: _frame_rule(0.5, (0, MEDIUM), (3, HIGH)),
        SignalKind.LOOKING_AWAY: _frame_rule(away, (0, LOW), (10, MEDIUM), (30, HIGH)),
        SignalKind.IDENTITY_MISMATCH: _frame_rule(0, (0, MEDIUM), (check, HIGH), gap=check),
        SignalKind.LEFT_SEAT: _frame_rule(1, (0, MEDIUM), (10, HIGH)),
        SignalKind.OBJECT_PHONE: _frame_rule(0.5, (0, HIGH)),
        SignalKind.OBJECT_BOOK: _frame_rule(1, (0, MEDIUM), (10, HIGH)),
        SignalKind.EXTRA_PERSON: _frame_rule(0.5, (0, HIGH)),
        SignalKind.TAB_HIDDEN: _client_rule((0, LOW), (5, MEDIUM), (30, HIGH)),
        SignalKind.WINDOW_BLUR: _client_rule((0, LOW), (10, MEDIUM), (60, HIGH)),
        SignalKind.FULLSCREEN_EXIT: _client_rule((0, LOW), (10, MEDIUM), (60, HIGH)),
        SignalKind.SECOND_SCREEN: _client_rule((0, MEDIUM)),
        SignalKind.COPY_PASTE: _client_rule((0, MEDIUM), instant=True),
        SignalKind.STREAM_LOST: EventRule(
            min_seconds=settings.reconnect_grace_seconds, severity_after=((0, MEDIUM), (60, HIGH))
        ),
    }


def _frame_rule(min_seconds: float, *steps: tuple[float, Severity], gap: float = 1.0) -> EventRule:
    return EventRule(
        min_seconds=min_seconds,
        merge_gap_seconds=gap,
        severity_after=steps,
        max_keyframes=3,
        watch_closely=True,
    )


def _client_rule(*steps: tuple[float, Severity], instant: bool = False) -> EventRule:
    return EventRule(
        merge_gap_seconds=2.0 if instant else 0.0,
        severity_after=steps,
        max_keyframes=1,
        instant=instant,
    )
