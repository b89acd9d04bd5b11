"""Network hygiene: switch off every library's telemetry and hub look-ups before they are imported.

Imported first by every entry point (the package ``__init__`` imports it), so that nothing this
project runs contacts an address outside 127.0.0.0/8.
"""

import os

OFFLINE_SWITCHES: dict[str, str] = {
    # Hugging Face / transformers / sentence-transformers: no hub downloads or telemetry.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    # vLLM and generic do-not-track.
    "VLLM_NO_USAGE_STATS": "1",
    "DO_NOT_TRACK": "1",
    # Ray: no usage stats (the metadata probe is handled where Ray is started).
    "RAY_USAGE_STATS_ENABLED": "0",
    # MLflow.
    "MLFLOW_DISABLE_TELEMETRY": "true",
    # Ultralytics.
    "YOLO_OFFLINE": "1",
    "YOLO_AUTOINSTALL": "false",
    # ONNX Runtime (the proctor's detector): since 1.29 its Linux wheels send 1DS telemetry to
    # mobile.events.data.microsoft.com from the first session on; read once, at its start.
    "ORT_DISABLE_TELEMETRY": "1",
    # boto3 must never ask the cloud-metadata endpoint for credentials or a region.
    "AWS_EC2_METADATA_DISABLED": "true",
}


def apply_offline_switches() -> None:
    """Set each switch unless the operator set it explicitly."""
    for name, value in OFFLINE_SWITCHES.items():
        os.environ.setdefault(name, value)


apply_offline_switches()
