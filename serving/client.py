"""The one LLM client of the platform and the graphs: any OpenAI-compatible endpoint by URL.

Our Serve application, a remote vLLM, or a hosted OpenAI-compatible API all work unchanged; only
``base_url``, ``model`` and ``api_key`` differ. Every call is a client span (OpenTelemetry's
GenAI conventions) and carries the trace's ``traceparent`` header to the server.
"""

from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from openai import AsyncOpenAI, AsyncStream
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessageParam
from pydantic import BaseModel, ValidationError

from core.tracing import Span, SpanKind, carrier, record_error, span, start_span

Structured = TypeVar("Structured", bound=BaseModel)
Message = ChatCompletionMessageParam


class StructuredOutputError(Exception):
    """The model did not produce output matching the schema within the allowed attempts."""

    def __init__(self, message: str, raw_outputs: list[str]) -> None:
        super().__init__(message)
        self.raw_outputs = raw_outputs


@dataclass
class TokenUsage:
    """Token counts of one generation, filled in when its stream ends."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


class LLMClient:
    def __init__(
        self, base_url: str, model: str, api_key: str = "not-needed", timeout_seconds: float = 120.0
    ) -> None:
        self.model = model
        self._client = AsyncOpenAI(
            base_url=base_url, api_key=api_key, timeout=timeout_seconds, max_retries=2
        )

    async def chat(self, messages: list[Message], **options: Any) -> str:
        with self._span(options) as call:
            response: ChatCompletion = await self._client.chat.completions.create(
                model=self.model,
                messages=messages,
                extra_headers=carrier(),
                **options,
            )
            _record_usage(call, response.usage)
        return response.choices[0].message.content or ""

    @contextmanager
    def _span(self, options: dict[str, Any]) -> Iterator[Span]:
        with span(
            f"chat {self.model}", kind=SpanKind.CLIENT, attributes=self._attributes(options)
        ) as call:
            yield call

    def _attributes(self, options: dict[str, Any]) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": self.model,
            "server.address": self._client.base_url.host,
        }
        if (max_tokens := options.get("max_tokens")) is not None:
            attributes["gen_ai.request.max_tokens"] = max_tokens
        return attributes

    async def next_token_logprobs(self, messages: list[Message], top: int = 20) -> dict[str, float]:
        """The ``top`` likeliest first tokens of the reply with their log-probabilities (stripped of
        surrounding space; the likelier spelling wins when two strip to the same text)."""
        response = await self._one_token(messages, logprobs=True, top_logprobs=top)
        logprobs = response.choices[0].logprobs
        if logprobs is None or not logprobs.content:
            return {}
        ranked: dict[str, float] = {}
        for candidate in logprobs.content[0].top_logprobs:
            token = candidate.token.strip()
            ranked[token] = max(candidate.logprob, ranked.get(token, float("-inf")))
        return ranked

    async def reply_logprobs(self, messages: list[Message], reply: str) -> list[float]:
        """The log-probability of each token of ``reply`` as the assistant's answer to
        ``messages``, read from vLLM's prompt log-probabilities (a vLLM extension of the API:
        the conversation is scored, nothing is generated but one token)."""
        full = await self._prompt_logprobs([*messages, {"role": "assistant", "content": reply}])
        opening = await self._prompt_logprobs([*messages, {"role": "assistant", "content": ""}])
        return full[len(opening) :]

    async def _prompt_logprobs(self, messages: list[Message]) -> list[float]:
        response = await self._one_token(
            messages,
            extra_body={
                "prompt_logprobs": 0,
                "add_generation_prompt": False,
                "continue_final_message": True,
            },
        )
        entries = (response.model_extra or {}).get("prompt_logprobs") or []
        # The first token has no log-probability (nothing precedes it); each other entry holds
        # the prompt's own token.
        return [
            float(next(iter(entry.values()))["logprob"]) for entry in entries if entry is not None
        ]

    async def _one_token(self, messages: list[Message], **options: Any) -> ChatCompletion:
        """A greedy one-token completion: the calls that read log-probabilities, not text."""
        with self._span({"max_tokens": 1}):
            response: ChatCompletion = await self._client.chat.completions.create(
                model=self.model,
                messages=messages,
                max_tokens=1,
                temperature=0.0,
                extra_headers=carrier(),
                **options,
            )
        return response

    async def stream_chat(
        self, messages: list[Message], usage: TokenUsage | None = None, **options: Any
    ) -> AsyncGenerator[str, None]:
        """Yield text as it is generated; closing the iterator closes the HTTP stream, which
        cancels the generation on the server. ``usage`` is filled in when the stream ends."""
        if usage is not None:
            options["stream_options"] = {"include_usage": True}
        # Not the current span: the stream's yields return to the caller, whose work is no
        # child of this call.
        call = start_span(
            f"chat {self.model}", kind=SpanKind.CLIENT, attributes=self._attributes(options)
        )
        call.set_attribute("gen_ai.request.stream", True)
        try:
            stream: AsyncStream[ChatCompletionChunk] = await self._client.chat.completions.create(
                model=self.model,
                messages=messages,
                stream=True,
                extra_headers=carrier(call),
                **options,
            )
            try:
                async for chunk in stream:
                    if chunk.usage and usage is not None:
                        usage.prompt_tokens = chunk.usage.prompt_tokens
                        usage.completion_tokens = chunk.usage.completion_tokens
                    if chunk.choices and chunk.choices[0].delta.content:
                        yield chunk.choices[0].delta.content
            finally:
                await stream.close()
            _record_usage(call, usage)
        except Exception as error:
            record_error(call, error)
            raise
        finally:
            call.end()

    async def structured(
        self, messages: list[Message], schema: type[Structured], attempts: int = 3, **options: Any
    ) -> Structured:
        """Schema-constrained decoding (``response_format`` JSON schema), validated with
        pydantic and retried a bounded number of times; every raw output is kept on failure."""
        response_format = {
            "type": "json_schema",
            "json_schema": {
                "name": schema.__name__,
                "schema": schema.model_json_schema(),
                "strict": True,
            },
        }
        raw_outputs: list[str] = []
        for _ in range(attempts):
            raw = await self.chat(messages, response_format=response_format, **options)
            raw_outputs.append(raw)
            try:
                return schema.model_validate_json(raw)
            except ValidationError:
                continue
        raise StructuredOutputError(
            f"no valid {schema.__name__} after {attempts} attempts", raw_outputs
        )

    async def close(self) -> None:
        await self._client.close()


def _record_usage(call: Span, usage: Any) -> None:
    """Token counts on the span (an OpenAI ``CompletionUsage`` or our ``TokenUsage``)."""
    if usage is not None and call.is_recording():
        call.set_attribute("gen_ai.usage.input_tokens", usage.prompt_tokens)
        call.set_attribute("gen_ai.usage.output_tokens", usage.completion_tokens)
