"""What a proctored session leaves for review: events with start, end, severity and evidence, and
how often each analyser could judge at all. The risk engine builds it; the platform stores it."""

import enum

from pydantic import BaseModel, ConfigDict, Field

from proctor.signals import SignalKind


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Event(BaseModel):
    """One run of suspicious signals of one kind from one analyser (``*_at``: seconds of media
    time). ``ended_at`` is None while the run is still going."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: SignalKind
    analyser: str
    started_at: float = Field(ge=0)
    ended_at: float | None = Field(None, ge=0)
    severity: Severity
    peak_value: float | None = Field(
        None, description="The signals' value of largest magnitude (angle, face count, distance)."
    )
    signal_count: int = Field(ge=1, description="Suspicious signals in the run.")
    evidence_keys: list[str] = Field(
        default_factory=list, description="Object keys of the keyframes saved for this event."
    )


class AnalyserAvailability(BaseModel):
    """How one analyser's readings came out over the session."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ok: int = Field(0, ge=0)
    suspicious: int = Field(0, ge=0)
    unavailable: int = Field(0, ge=0)

    @property
    def unavailable_share(self) -> float:
        total = self.ok + self.suspicious + self.unavailable
        return self.unavailable / total if total else 0.0

    def describe(self, analyser: str) -> str:
        """``objects: unavailable``, ``identity: unavailable 40 % of readings``, or
        ``faces: available``: an analyser that never judged must not read as one that saw
        nothing."""
        share = self.unavailable_share
        if share == 1.0:
            return f"{analyser}: unavailable"
        if share == 0.0:
            return f"{analyser}: available"
        percent = max(1, round(share * 100))  # a rare gap still shows, never as "0 %"
        return f"{analyser}: unavailable {percent} % of readings"


class Timeline(BaseModel):
    """The session as reviewed: events sorted by start, availability per analyser.
    ``finished_at`` is None while the session runs (open events may still grow)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    events: list[Event] = Field(default_factory=list)
    availability: dict[str, AnalyserAvailability] = Field(default_factory=dict)
    finished_at: float | None = Field(None, ge=0)

    def availability_notes(self) -> list[str]:
        """One line per analyser, by name, as the integrity report prints them."""
        return [self.availability[name].describe(name) for name in sorted(self.availability)]
