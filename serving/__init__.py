"""The Ray Serve application: the LLM (vLLM through Ray Serve LLM) and the AI deployments."""

from core import boot as _boot  # noqa: F401  (network switches before Ray/vLLM import)
