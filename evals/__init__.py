"""Evaluation suites: each a versioned dataset, a scorer and thresholds, run by one runner against
an OpenAI-compatible endpoint or an MLflow model URI, results logged to MLflow. The gate in
``pipelines.promote`` compares a candidate with the champion on them."""

from core import boot as _boot  # noqa: F401  (offline switches before MLflow or vLLM)
