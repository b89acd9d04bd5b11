"""All configuration, read once from ``WC_*`` environment variables (see docs/configuration.md)."""

from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, HttpUrl, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.model_registry import tracking_uri_of

# One Content-Security-Policy source: a scheme ("https:"), an origin or host with an optional
# wildcard label and port; nothing that could end the directive (";", ",", spaces, quotes).
CSP_SOURCE = r"^([a-z][a-z0-9+.-]*:|([a-z][a-z0-9+.-]*://)?(\*\.)?[A-Za-z0-9.-]+(:[0-9]+)?)$"
SECRETS_DIR = Path("/run/secrets")


class OidcProvider(BaseModel):
    """One OpenID Connect identity provider (Google, Apple, or any compliant issuer)."""

    issuer: HttpUrl
    client_id: str
    client_secret: str = ""
    scopes: str = "openid email profile"
    response_mode: Literal["query", "form_post"] = Field(
        "query",
        description='How the provider answers: "query" (a redirect) or "form_post" (Apple).',
    )


class Settings(BaseSettings):
    """Water Classroom settings. Every store URL is optional: empty means the embedded store."""

    # A container's secrets (Docker, Kubernetes): a file named like the variable
    # (/run/secrets/WC_DATABASE_URL) sets that setting; the environment wins over a file.
    model_config = SettingsConfigDict(
        env_prefix="WC_",
        env_file=".env",
        extra="ignore",
        secrets_dir=SECRETS_DIR if SECRETS_DIR.is_dir() else None,
    )

    data_dir: Path = Field(Path(".wc-data"), description="Files of every embedded store.")
    host: str = Field("127.0.0.1", description="Interface the API binds to.")
    port: int = Field(8000, ge=1, le=65535, description="API port.")
    public_url: str = Field("", description="External base URL used in e-mailed links.")
    web_dist: Path = Field(
        Path(__file__).resolve().parents[1] / "web" / "dist",
        description="The built web client (`make web`), served at /; unbuilt, / is a 404.",
    )

    database_url: str = Field("", description="PostgreSQL (with pgvector) URL; empty = embedded.")
    redis_url: str = Field(
        "", description="Redis URL for cache and rate limits; empty = in-process."
    )
    amqp_url: str = Field("", description="RabbitMQ URL for the event bus; empty = in-process.")
    s3_endpoint_url: str = Field("", description="S3 endpoint for objects; empty = filesystem.")
    s3_bucket: str = "water-classroom"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_region: str = "us-east-1"
    smtp_url: str = Field("", description="smtp://host:port for mail; empty = files in data dir.")
    clickhouse_url: str = Field(
        "",
        description="ClickHouse HTTP URL (clickhouse-connect) for analytics; "
        "empty = embedded chDB in the data dir.",
    )
    mail_from: str = "Water Classroom <no-reply@water-classroom.local>"

    # Notifications (platform_api/notifications): held mail and Web Push.
    notification_release_seconds: float = Field(
        60.0, gt=0, description="How often e-mail and push held for quiet hours or a digest go out."
    )
    vapid_private_key: str = Field(
        "",
        description="The Web Push (VAPID) private key, base64url (raw P-256 or DER); empty: "
        "generated once in <data_dir>/keys. Set it in cluster mode.",
    )
    vapid_subject: str = Field(
        "mailto:admin@water-classroom.local",
        description="Who push services may contact about our pushes (mailto: or https: URL).",
    )
    push_timeout_seconds: float = Field(10.0, gt=0, le=60, description="Per push request.")
    push_http_loopback_hosts: list[str] = Field(
        default_factory=list,
        description='Loopback hosts (JSON list, e.g. ["127.0.0.1"]) a push endpoint may use over '
        "plain http (tests); every other endpoint must be https.",
    )

    jwt_private_key_file: Path | None = Field(
        None, description="PEM RSA key for RS256 tokens; default: generated in the data dir."
    )
    jwt_issuer: str = "water-classroom"
    access_token_ttl_seconds: int = Field(900, ge=30)
    refresh_token_ttl_seconds: int = Field(30 * 24 * 3600, ge=60)
    oidc_providers: dict[str, OidcProvider] = Field(
        default_factory=dict, description='JSON, e.g. {"google": {"issuer": ..., "client_id": ...}}'
    )
    lti_private_key_file: Path | None = Field(
        None,
        description="PEM RSA key the LTI tool signs with (its JWKS is published); "
        "default: generated in the data dir.",
    )

    rate_limit_per_minute: int = Field(100, ge=1, description="Requests per user or IP per minute.")
    login_rate_limit_per_minute: int = Field(10, ge=1, description="Login attempts per IP/min.")
    lesson_cache_ttl_seconds: int = Field(300, ge=0)
    max_avatar_bytes: int = Field(2 * 1024 * 1024, ge=1024)
    max_asset_bytes: int = Field(
        25 * 1024 * 1024, ge=1024, description="Lesson asset upload limit."
    )
    max_import_bytes: int = Field(64 * 1024 * 1024, ge=1024)
    coppa_minimum_age: int = 13
    outbox_poll_seconds: float = Field(0.5, gt=0)
    sitting_sweep_seconds: float = Field(
        5.0, ge=0, description="How often sittings past their deadline are closed; 0 = never."
    )

    llm_base_url: str = Field(
        "http://127.0.0.1:8001/v1", description="OpenAI-compatible endpoint of the LLM."
    )
    llm_model: str = Field("smollm2-135m-instruct", description="Model name sent to that endpoint.")
    llm_api_key: str = Field("not-needed", description="API key of that endpoint.")
    serve_llm: bool = Field(
        True, description="`wc run` also starts the local LLM application (`wc serve`)."
    )
    content_runner: bool = Field(
        True, description="`wc run` also starts a content-job runner (`wc content runner`)."
    )

    # The ML lifecycle's store (pipelines/, evals/), read by the ML engineers' pages.
    mlflow_tracking_uri: str = Field("", description="Empty: sqlite in the data dir.")
    mlflow_ui_url: str = Field(
        "",
        description="The MLflow UI the ML pages link to (a team's mlflow server); empty: the "
        "one `wc run` serves on 127.0.0.1:mlflow_ui_port for the embedded store.",
    )
    mlflow_ui_port: int = Field(
        5000, ge=0, le=65535, description="Where `wc run` serves the MLflow UI; 0: it does not."
    )

    # Proctored exams (platform_api/proctor) and their biometric data.
    proctor_url: str = Field(
        "http://127.0.0.1:8001/proctor",
        description="The proctor deployment's API in the Serve application (`wc serve`).",
    )
    proctor_timeout_seconds: float = Field(30.0, gt=0, description="Per call to the proctor.")
    proctor_retention_days: int = Field(
        30,
        ge=1,
        le=3650,
        description="Evidence keyframes and timeline events of a sitting are purged this long "
        "after its final review decision (none while an appeal is open).",
    )
    proctor_unreviewed_retention_days: int = Field(
        90,
        ge=1,
        le=3650,
        description="A sitting never reviewed has its evidence and events purged this long "
        "after its proctoring session ended.",
    )
    proctor_purge_sweep_seconds: float = Field(
        3600.0, ge=0, description="How often the evidence purge runs; 0 = never (in this process)."
    )
    biometric_key: str = Field(
        "",
        description="Base64 AES-256 key sealing enrolment photos, face embeddings and evidence "
        "keyframes (the API and `wc serve` need the same one); empty: generated once in "
        "<data_dir>/keys. Set it in cluster mode.",
    )
    biometric_retired_keys: list[str] = Field(
        default_factory=list,
        description="Earlier biometric keys (JSON list), still opening what they sealed.",
    )
    pii_key: str = Field(
        "",
        description="Base64 AES-256 key sealing personal columns (users' e-mail, name, birth "
        "date, parent e-mail; consent and verification addresses); empty: generated once in "
        "<data_dir>/keys. Every API process and tool needs the same one: set it in cluster mode.",
    )
    pii_retired_keys: list[str] = Field(
        default_factory=list,
        description="Earlier personal-data keys (JSON list), still opening what they sealed "
        "until `wc keys rotate-pii` has re-sealed it under `pii_key`.",
    )
    pii_hash_key: str = Field(
        "",
        description="Base64 256-bit key of the keyed hash (HMAC-SHA256) e-mail look-ups go "
        "through; empty: generated once in <data_dir>/keys. Changing it needs `wc keys "
        "rotate-pii` before serving (it recomputes every hash).",
    )
    max_enrolment_photo_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, description="Largest enrolment photo accepted."
    )
    proctor_appeal_window_days: int = Field(
        14,
        ge=1,
        le=365,
        description="How long after a `suspicious` or `violation` review decision the learner "
        "may appeal it.",
    )

    egress: bool = Field(
        True,
        description="Whether this process sends to other systems: webhook deliveries, a content "
        "job's own webhook, Web Push. Turn it off on processes that may not reach the outside "
        "(egress from some nodes only): the processes with it on send everything queued; with "
        "the in-process bus, a job's webhook and pushes asked for in a process with it off are "
        "not sent.",
    )

    # Webhooks (platform_api/webhooks): a content job's own URL and the event subscriptions.
    webhook_secret: str = Field(
        "",
        description="HMAC-SHA256 key signing a content job's own webhook (`webhook_url`); empty "
        "sends those unsigned. Event subscriptions each have their own secrets.",
    )
    webhook_timeout_seconds: float = Field(10.0, gt=0, le=60)
    webhook_allowed_networks: list[str] = Field(
        default_factory=list,
        description='Networks (JSON list of CIDRs, e.g. ["127.0.0.1/32"]) that webhooks may '
        "reach although they are loopback, private, link-local or otherwise not public. Empty: "
        "only public addresses. The check is made on the address connected to.",
    )
    webhook_secrets_key: str = Field(
        "",
        description="Base64 AES-256 key sealing webhook secrets at rest; empty: generated once "
        "in <data_dir>/keys. Set it in cluster mode.",
    )
    webhook_max_attempts: int = Field(
        8, ge=1, le=30, description="Attempts of one delivery before it is dead-lettered."
    )
    webhook_retry_base_seconds: float = Field(
        30.0, gt=0, description="Delay before the second attempt; doubled at each further one."
    )
    webhook_retry_max_seconds: float = Field(
        6 * 3600.0, gt=0, description="Longest delay between two attempts of a delivery."
    )
    webhook_disable_after_seconds: float = Field(
        3 * 24 * 3600.0,
        ge=0,
        description="A subscription whose deliveries have all failed for this long is disabled "
        "(when one of them is dead-lettered) and its owner notified.",
    )
    webhook_dispatch_concurrency: int = Field(
        32, ge=1, le=512, description="Deliveries one process sends at once."
    )
    webhook_log_retention_days: int = Field(
        30, ge=1, le=3650, description="How long sent and dead deliveries stay in the log."
    )
    webhook_dispatch_poll_seconds: float = Field(
        0.5, gt=0, description="How often an idle dispatcher looks for due deliveries."
    )

    # Progress (platform_api/progress): reminders, dashboards, leaderboards.
    reminder_lead_hours: float = Field(
        24.0, gt=0, le=24 * 14, description="Remind learners this long before a due date."
    )
    reminder_sweep_seconds: float = Field(
        300.0, gt=0, description="How often the due-date reminder sweeper runs."
    )
    inactive_after_days: int = Field(
        7, ge=1, le=365, description="A learner with no statement for this long is inactive."
    )
    leaderboard_under_13: Literal["first_name", "hidden"] = Field(
        "first_name",
        description="How class leaderboards show learners under 13: first name only, or not at "
        "all.",
    )

    # Real-time hub (platform_api/realtime): fanned out through Redis when redis_url is set.
    realtime_presence_ttl_seconds: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="A class member is online this long after their last heartbeat; clients "
        "beat every third of it.",
    )
    realtime_send_queue_frames: int = Field(
        256,
        ge=1,
        le=100_000,
        description="Frames one WebSocket may have waiting; a client further behind is closed "
        "(code 1013) so that it cannot hold up the others.",
    )
    realtime_history_frames: int = Field(
        1000,
        ge=1,
        le=1_000_000,
        description="Recent frames kept per channel for clients that resume after a reconnect "
        "(older chat comes from PostgreSQL).",
    )
    realtime_history_seconds: float = Field(
        24 * 3600.0, gt=0, description="An idle channel's recent frames are dropped after this."
    )
    realtime_chat_messages_per_minute: int = Field(
        30, ge=1, description="Class chat messages one person may post per minute (429 past it)."
    )

    # Security headers (platform_api/http/security_headers.py; docs/deployment.md).
    frame_ancestors: list[Annotated[str, Field(pattern=CSP_SOURCE)]] = Field(
        default_factory=list,
        description='Origins (JSON list, e.g. ["https://lms.example.edu"]) that may show the '
        "platform in a frame besides itself: the LMSs whose LTI launches open it in an iframe.",
    )
    csp_image_sources: list[Annotated[str, Field(pattern=CSP_SOURCE)]] = Field(
        default_factory=list,
        description="Hosts lessons may show images from besides this origin (JSON list of CSP "
        'sources, e.g. ["https://images.example.org"] or ["https:"]).',
    )
    hsts_max_age_seconds: int = Field(
        31_536_000,
        ge=0,
        description="Strict-Transport-Security max-age, sent over https (or when public_url is "
        "https, TLS ending at a proxy); 0: no HSTS header.",
    )

    log_level: str = "INFO"
    log_format: Literal["auto", "json", "console"] = Field(
        "auto",
        description="json: one object per line; console: readable lines; "
        "auto: console on a terminal, json otherwise.",
    )
    # Traces (core/tracing.py; docs/operations.md "Traces").
    otlp_endpoint: str = Field(
        "",
        description="OTLP/HTTP collector base URL (Jaeger, Grafana Tempo, an OpenTelemetry "
        "Collector; e.g. http://127.0.0.1:4318): traces go to <url>/v1/traces. Empty: tracing "
        "off, no exporter, nothing sent.",
    )
    trace_sample_ratio: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Share of new traces kept (a request that arrives with a sampled "
        "traceparent is always kept).",
    )
    load_demo_content: bool = True

    @cached_property
    def resolved_data_dir(self) -> Path:
        path = self.data_dir.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def logs_dir(self) -> Path:
        """Where `wc run` writes its children's output and links Ray's session logs."""
        return self.resolved_data_dir / "logs"

    @property
    def run_dir(self) -> Path:
        """Liveness files of running processes (the content runner's heartbeat)."""
        return self.resolved_data_dir / "run"

    @property
    def local_url(self) -> str:
        """The API on this machine, as `wc run` and `wc status` reach it."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def tracking_uri(self) -> str:
        return tracking_uri_of(self.mlflow_tracking_uri, self.data_dir)

    @property
    def serves_mlflow_ui(self) -> bool:
        """Whether `wc run` serves the MLflow UI itself (an embedded store, a port given)."""
        return not self.mlflow_ui_url and bool(self.mlflow_ui_port)

    @property
    def mlflow_ui(self) -> str | None:
        """The MLflow UI's address, or None when there is none to link to."""
        if self.mlflow_ui_url:
            return self.mlflow_ui_url.rstrip("/")
        return f"http://127.0.0.1:{self.mlflow_ui_port}" if self.mlflow_ui_port else None

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @model_validator(mode="after")
    def _evidence_outlasts_the_appeal_window(self) -> Self:
        # Otherwise a learner could appeal a decision whose evidence is already purged (and a
        # purge could run while an appeal is being filed).
        if self.proctor_retention_days < self.proctor_appeal_window_days:
            raise ValueError("proctor_retention_days must be at least proctor_appeal_window_days")
        return self
