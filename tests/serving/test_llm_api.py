"""The LLM application over HTTP, driven by the official ``openai`` client, with the real model."""

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from openai import AsyncOpenAI, BadRequestError
from pydantic import BaseModel, Field

from serving.client import LLMClient
from tests.fixtures.app import make_settings, running_api
from tests.fixtures.llm import (
    MAX_ONGOING_REQUESTS,
    MAX_QUEUED_REQUESTS,
    LlmServer,
    assert_llm_aborted,
    quiet_llm_count,
)

pytestmark = pytest.mark.slow
QUESTION = [{"role": "user", "content": "In one sentence: why does ice float on water?"}]


def openai_client(server: LlmServer) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=server.base_url, api_key="not-needed", max_retries=0)


async def test_streamed_chat_arrives_token_by_token(llm_server: LlmServer) -> None:
    client = openai_client(llm_server)
    started = time.perf_counter()
    stream = await client.chat.completions.create(
        model=llm_server.model,
        messages=QUESTION,
        max_tokens=48,
        stream=True,
        stream_options={"include_usage": True},
    )
    arrivals: list[float] = []
    text, usage = "", None
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            arrivals.append(time.perf_counter() - started)
            text += chunk.choices[0].delta.content
        usage = chunk.usage or usage
    assert text.strip()
    assert len(arrivals) > 5
    assert arrivals[0] < arrivals[-1]  # the first token came before generation ended
    assert usage is not None and 0 < usage.completion_tokens <= 48


class Answer(BaseModel):
    answer: str = Field(max_length=400)
    confidence: int = Field(ge=1, le=5)


async def test_json_schema_output_validates(llm_server: LlmServer) -> None:
    client = LLMClient(llm_server.base_url, llm_server.model)
    try:
        result = await client.structured(
            [{"role": "user", "content": "What is H2O? Answer in JSON."}],
            Answer,
            max_tokens=120,
            temperature=0,
        )
    finally:
        await client.close()
    assert isinstance(result, Answer)
    assert 1 <= result.confidence <= 5


async def test_schema_answers_are_compact_json(llm_server: LlmServer) -> None:
    """No whitespace between JSON tokens (the engine's grammar allows none): a small model can
    no longer spend its budget on newlines, and the budget of a schema holds its longest answer."""
    client = openai_client(llm_server)
    response = await client.chat.completions.create(
        model=llm_server.model,
        messages=[{"role": "user", "content": "Describe water in JSON, with line breaks."}],
        max_tokens=400,
        temperature=0.8,
        n=4,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "Answer", "schema": Answer.model_json_schema()},
        },
    )
    # A sampled answer may still ramble inside a string to the end of its budget (a full run
    # drew a string of emoji once): the whitespace check holds for every answer, complete or not.
    finished = [choice for choice in response.choices if choice.finish_reason == "stop"]
    assert len(finished) >= len(response.choices) // 2, response.choices
    for choice in finished:
        Answer.model_validate_json(choice.message.content or "")
    for choice in response.choices:
        raw = choice.message.content or ""
        # xgrammar 0.2.8 still lets one space follow a comma (fixed upstream, not released).
        skeleton = outside_strings(raw).replace(", ", ",")
        assert not any(char.isspace() for char in skeleton), raw


def outside_strings(document: str) -> str:
    """The JSON document's characters outside its string literals."""
    kept: list[str] = []
    in_string = escaped = False
    for char in document:
        if escaped:
            escaped = False
        elif in_string:
            escaped = char == "\\"
            in_string = char != '"'
        elif char == '"':
            in_string = True
        else:
            kept.append(char)
    return "".join(kept)


async def test_plain_completions_endpoint(llm_server: LlmServer) -> None:
    client = openai_client(llm_server)
    response = await client.completions.create(
        model=llm_server.model, prompt="Water freezes at", max_tokens=8, temperature=0
    )
    assert response.choices[0].text.strip()


async def test_eight_concurrent_requests_are_batched(llm_server: LlmServer) -> None:
    client = openai_client(llm_server)

    async def one(n: int) -> int:
        response = await client.chat.completions.create(
            model=llm_server.model,
            max_tokens=32,
            temperature=0,
            messages=[{"role": "user", "content": f"Give fact number {n} about rivers."}],
            extra_body={"ignore_eos": True},
        )
        return response.usage.completion_tokens if response.usage else 0

    single_started = time.perf_counter()
    await one(0)
    single = time.perf_counter() - single_started
    started = time.perf_counter()
    tokens = await asyncio.gather(*(one(n) for n in range(1, 9)))
    together = time.perf_counter() - started
    assert tokens == [32] * 8
    # Continuous batching: eight requests take far less than eight times one request.
    assert together < 8 * single * 0.75, (together, single)


async def test_cancelled_stream_stops_generation(llm_server: LlmServer) -> None:
    if llm_server.metrics_url is None:
        pytest.skip("no metrics URL for a reused server")
    finished = await quiet_llm_count(llm_server.metrics_url)
    client = openai_client(llm_server)
    stream = await client.chat.completions.create(
        model=llm_server.model,
        messages=QUESTION,
        max_tokens=1900,  # well over a minute of generation here
        stream=True,
        extra_body={"ignore_eos": True},
    )
    received = 0
    async for _ in stream:
        received += 1
        if received == 5:
            break
    await stream.close()  # the client goes away after a few tokens
    await assert_llm_aborted(llm_server.metrics_url, finished)


async def test_oversized_prompt_is_a_clear_400(llm_server: LlmServer) -> None:
    client = openai_client(llm_server)
    with pytest.raises(BadRequestError) as error:
        await client.chat.completions.create(
            model=llm_server.model,
            max_tokens=8,
            messages=[{"role": "user", "content": "water " * 5000}],
        )
    assert error.value.status_code == 400
    assert "maximum context length" in str(error.value)


async def test_overload_gets_503_with_retry_after(llm_server: LlmServer) -> None:
    # Twice what the replica and the queue hold: the requests of one client do not all arrive
    # at once, and a burst of only 8 more was served without a refusal (a fresh-clone run on an
    # Intel Xeon with AMX, 6 December 2026). The refused ones cost nothing: answered at once.
    burst = 2 * (MAX_ONGOING_REQUESTS + MAX_QUEUED_REQUESTS)
    body = {
        "model": llm_server.model,
        "max_tokens": 64,
        "ignore_eos": True,
        "messages": [{"role": "user", "content": "Describe a lake."}],
    }
    async with httpx.AsyncClient(timeout=300) as http:
        responses = await asyncio.gather(
            *(http.post(f"{llm_server.base_url}/chat/completions", json=body) for _ in range(burst))
        )
    statuses = [response.status_code for response in responses]
    refused = [response for response in responses if response.status_code == 503]
    # A simultaneous burst meets the queue before Serve has assigned requests to the replica,
    # so at least the queue's worth is admitted; the rest is refused at once, never left waiting.
    assert statuses.count(200) >= MAX_QUEUED_REQUESTS, statuses
    assert refused, statuses
    assert all(int(response.headers["retry-after"]) >= 1 for response in refused)
    assert set(statuses) <= {200, 503}
    async with httpx.AsyncClient(timeout=300) as http:
        after = await http.post(f"{llm_server.base_url}/chat/completions", json=body)
    assert after.status_code == 200  # the refusals were back-pressure, not a broken service


async def test_engine_metrics_are_exported(llm_server: LlmServer) -> None:
    """Time to first token, inter-token latency, queue depth and token counts reach Prometheus."""
    if llm_server.metrics_url is None:
        pytest.skip("no metrics URL for a reused server")
    client = openai_client(llm_server)
    await client.chat.completions.create(model=llm_server.model, messages=QUESTION, max_tokens=8)
    wanted = {
        "ray_vllm_time_to_first_token_seconds_bucket",
        "ray_vllm_inter_token_latency_seconds_bucket",
        "ray_vllm_num_requests_waiting",
        "ray_vllm_generation_tokens_total",
        "ray_serve_http_request_latency_ms_bucket",
    }
    deadline = time.monotonic() + 60  # Ray's metrics agent reports on an interval
    missing = set(wanted)
    while missing and time.monotonic() < deadline:
        async with httpx.AsyncClient() as http:
            text = (await http.get(llm_server.metrics_url, timeout=5)).text
        missing = {name for name in wanted if f"\n{name}{{" not in text}
        if missing:
            await asyncio.sleep(2)
    assert not missing


async def test_platform_reaches_the_llm_by_its_configured_url(
    llm_server: LlmServer, database_url_for_test: str, tmp_path: Path
) -> None:
    """The platform's client is configured by URL only: any OpenAI-compatible endpoint works."""
    settings = make_settings(
        database_url_for_test,
        tmp_path,
        llm_base_url=llm_server.base_url,
        llm_model=llm_server.model,
    )
    async for api in running_api(settings):
        answer = await api.stores.llm.chat(QUESTION, max_tokens=12)
        assert answer.strip()
