"""Configuration of the proctor (``WC_PROCTOR_*``): rates, thresholds, the detector, ICE."""

from ipaddress import IPv4Address, IPv6Address, ip_address

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IceServer(BaseModel):
    """A STUN/TURN server as ``RTCIceServer`` takes it; none by default (loopback only)."""

    urls: list[str] = Field(min_length=1)
    username: str | None = None
    credential: str | None = None


class ProctorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WC_PROCTOR_", env_file=".env", extra="ignore")

    analysis_width: int = Field(320, ge=64, le=1920, description="Frames are analysed this wide.")
    frames_per_second: float = Field(5.0, gt=0, le=30, description="Analysed while all is calm.")
    suspicious_frames_per_second: float = Field(
        10.0, gt=0, le=30, description="Analysed while a suspicion is open."
    )
    identity_every_seconds: float = Field(
        3.0, gt=0, description="Face embedding cadence (one costs ~60 ms on a core)."
    )
    identity_max_distance: float = Field(
        0.6, gt=0, le=2, description="Face-embedding distance above which it is someone else."
    )
    looking_away_degrees: float = Field(
        30.0, gt=0, le=90, description="Yaw or pitch beyond which the learner looks away."
    )
    looking_away_seconds: float = Field(
        3.0, ge=0, description="How long looking away must last to become an event."
    )
    face_absent_seconds: float = Field(
        1.0, ge=0, description="How long no face must last to become an event."
    )
    motion_threshold: float = Field(
        0.25, gt=0, le=1, description="Share of pixels changed that counts as leaving the seat."
    )
    evidence_jpeg_quality: int = Field(
        80, ge=10, le=100, description="JPEG quality of evidence keyframes (lowered to fit)."
    )
    evidence_max_bytes: int = Field(
        60_000, ge=2_000, description="Largest evidence keyframe; bigger ones are re-encoded."
    )
    detector_path: str = Field(
        "", description="A YOLOv8 ONNX file; empty: the registry's champion, else unavailable."
    )
    detector_model_name: str = Field(
        "proctor-detector", description="MLflow registered model whose `champion` is loaded."
    )
    detector_min_confidence: float = Field(0.5, gt=0, le=1)
    detector_threads: int = Field(
        1,
        ge=1,
        le=64,
        description="onnxruntime threads per detection (one keeps a core a session).",
    )
    detector_poll_seconds: float = Field(
        30.0, gt=0, description="How often the registry's `champion` alias is checked for a move."
    )
    mlflow_tracking_uri: str = Field(
        "", description="MLflow tracking/registry server of the detector; empty: no registry."
    )
    ice_servers: list[IceServer] = Field(
        default_factory=list,
        description="STUN/TURN servers (JSON); none by default, so nothing outside is contacted.",
    )
    ice_host_addresses: list[IPv4Address | IPv6Address] = Field(
        default_factory=lambda: [ip_address("127.0.0.1")],
        min_length=1,
        description="Local addresses the peer gathers ICE candidates on and binds to (JSON); "
        "loopback by default. To serve real browsers, name this machine's address here.",
    )
    ingest_max_pending_frames: int = Field(
        8,
        ge=1,
        le=300,
        description="Frames waiting for analysis; past it they are thinned (the waiting frame "
        "closest to the one before it goes), so they still span a lag, more sparsely.",
    )
    reconnect_grace_seconds: float = Field(
        20.0, ge=0, description="A stream lost longer than this is itself an event."
    )
