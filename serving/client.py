"""The one LLM client of the platform and the graphs: any OpenAI-compatible endpoint by URL.

Our Serve application, a remote vLLM, or a hosted OpenAI-compatible API all work unchanged; only
``base_url``, ``model`` and ``api_key`` differ.
"""

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any, TypeVar

from openai import AsyncOpenAI, AsyncStream
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessageParam
from pydantic import BaseModel, ValidationError

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
        response: ChatCompletion = await self._client.chat.completions.create(
            model=self.model,
            messages=messages,
            **options,
        )
        return response.choices[0].message.content or ""

    async def next_token_logprobs(self, messages: list[Message], top: int = 20) -> dict[str, float]:
        """The ``top`` likeliest first tokens of the reply with their log-probabilities (stripped of
        surrounding space; the likelier spelling wins when two strip to the same text)."""
        response: ChatCompletion = await self._client.chat.completions.create(
            model=self.model,
            messages=messages,
            max_tokens=1,
            temperature=0.0,
            logprobs=True,
            top_logprobs=top,
        )
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
        response: ChatCompletion = await self._client.chat.completions.create(
            model=self.model,
            messages=messages,
            max_tokens=1,
            temperature=0.0,
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

    async def stream_chat(
        self, messages: list[Message], usage: TokenUsage | None = None, **options: Any
    ) -> AsyncGenerator[str, None]:
        """Yield text as it is generated; closing the iterator closes the HTTP stream, which
        cancels the generation on the server. ``usage`` is filled in when the stream ends."""
        if usage is not None:
            options["stream_options"] = {"include_usage": True}
        stream: AsyncStream[ChatCompletionChunk] = await self._client.chat.completions.create(
            model=self.model,
            messages=messages,
            stream=True,
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
