"""A Ray worker that generates topics: one graph, one LLM client, one embedder per process.

The runner makes it a Ray actor (``ray.remote(TopicWorker)``) so workers spread over a cluster
unchanged; a worker stores each result itself, under the lease the runner took for it.
"""

import logging
import os
import time
import uuid
from typing import cast

from openai import APIConnectionError, APITimeoutError, InternalServerError
from pydantic import BaseModel

from agents.content.settings import ContentSettings
from core.infra.database import Database
from core.tracing import configure_tracing, span
from graphs.content_gen.database_ports import DatabaseContentPorts
from graphs.content_gen.graph import build_content_graph
from graphs.content_gen.ports import ContentDeps
from graphs.content_gen.state import TopicResult, TopicState
from platform_api.content import store
from rag.embeddings import Embedder
from rag.settings import RagSettings
from serving.client import LLMClient

logger = logging.getLogger(__name__)


class WorkerConfig(BaseModel):
    """Everything a worker process needs, sent to it by the runner (it reads no environment)."""

    database_url: str
    llm_base_url: str
    llm_model: str
    llm_api_key: str
    content: ContentSettings
    otlp_endpoint: str = ""  # empty: no tracing in the worker (core/tracing.py)
    trace_sample_ratio: float = 1.0


class LlmUnavailable(Exception):
    """The LLM endpoint did not answer (connection refused, timeout, 5xx, overloaded): not the
    topic's fault, so the runner queues it again without counting an attempt, and backs off."""


class TopicOutcome(BaseModel):
    topic_id: uuid.UUID
    status: str
    stored: bool
    llm_seconds: float
    wall_seconds: float


class TopicWorker:
    def __init__(self, config: WorkerConfig) -> None:
        from core import boot  # noqa: F401  (offline switches before any model loads)

        configure_tracing("wc-content-worker", config.otlp_endpoint, config.trace_sample_ratio)
        self._database = Database(config.database_url, pool_size=4)
        self._llm = LLMClient(
            config.llm_base_url,
            config.llm_model,
            config.llm_api_key,
            timeout_seconds=config.content.llm_timeout_seconds,
        )
        rag_settings = RagSettings()
        embedder = Embedder.from_settings(rag_settings)
        ports = DatabaseContentPorts(self._database, embedder, rag_settings)
        self._graph = build_content_graph(ContentDeps(ports, self._llm, config.content))

    async def process_id(self) -> int:
        """This incarnation's process id: the runner sees a restart by Ray as a new one."""
        return os.getpid()

    async def generate(self, claim: store.Claim) -> TopicOutcome:
        started = time.perf_counter()
        request = await store.topic_request(self._database, claim.topic_id)
        try:
            # The root of the topic's trace: the graph's nodes and LLM calls nest in it.
            with span("content.topic", attributes={"wc.topic_id": str(claim.topic_id)}):
                state = await self._graph.ainvoke({"request": request.model_dump(mode="json")})
        except (APIConnectionError, APITimeoutError, InternalServerError) as error:
            raise LlmUnavailable(f"{type(error).__name__}: {error}") from error
        result = TopicResult.of(cast(TopicState, state))
        wall_seconds = time.perf_counter() - started
        stored = await store.store_result(self._database, claim, result, wall_seconds)
        if not stored:
            logger.warning(
                "topic result discarded: its lease was lost (another worker took it over)",
                extra={"topic_id": str(claim.topic_id)},
            )
        return TopicOutcome(
            topic_id=claim.topic_id,
            status=result.status.value,
            stored=stored,
            llm_seconds=result.llm_seconds,
            wall_seconds=wall_seconds,
        )
