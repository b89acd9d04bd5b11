"""What the platform and the proctor deployment say to each other over HTTP (``/proctor/*`` of
the Serve application): the same models on both sides, so neither can drift from the other."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from proctor.ingest_queue import ConnectionState
from proctor.timeline import Timeline

EMBEDDING_SIZE = 128  # dlib's face embedding
MAX_SDP_CHARACTERS = 64_000  # a browser's offer with every codec is ~6 kB


class OpenSession(BaseModel):
    """Start hosting a session. ``enrolment``: the learner's face embedding (no photo travels);
    without one the identity analyser reports ``unavailable``."""

    model_config = ConfigDict(extra="forbid")

    session_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="The platform's session id.")
    enrolment: list[float] | None = Field(
        None, min_length=EMBEDDING_SIZE, max_length=EMBEDDING_SIZE
    )


class SessionPlacement(BaseModel):
    """Where a session lives: every later call names its ``host`` (a replica), which holds the
    session's peer and its analysis for the whole sitting."""

    session_id: str
    host: str


class SdpMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sdp: str = Field(max_length=MAX_SDP_CHARACTERS)
    type: Literal["offer", "answer"]


class SessionState(BaseModel):
    """A session as the proctor sees it now (or at its end, ``ended``)."""

    session_id: str
    connection: ConnectionState | None = Field(
        None, description="The current peer's state; None before the first offer."
    )
    identity_verified: bool = Field(
        description="The identity check has matched the learner's enrolment at least once."
    )
    ended: bool
    timeline: Timeline
