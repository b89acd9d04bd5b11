"""One structured LLM call of a content role: prompt in, validated model out, time accounted."""

import time
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel

from agents.content.budget import token_budget
from serving.client import LLMClient

Output = TypeVar("Output", bound=BaseModel)


@dataclass
class StructuredCalls:
    """The roles' way to the LLM; ``seconds`` sums the time spent waiting on it.

    A failure raises ``serving.client.StructuredOutputError`` carrying every raw output, for the
    caller to record.
    """

    llm: LLMClient
    attempts: int
    temperature: float
    repetition_penalty: float = 1.0
    seconds: float = 0.0
    calls: int = 0

    async def ask(self, system: str, user: str, schema: type[Output]) -> Output:
        """The schema's answer; its token budget fits the longest answer the schema admits."""
        started = time.perf_counter()
        # A vLLM sampling option, sent only when set: other OpenAI-compatible servers may not
        # know it.
        extra = (
            {"extra_body": {"repetition_penalty": self.repetition_penalty}}
            if self.repetition_penalty != 1.0
            else {}
        )
        try:
            return await self.llm.structured(
                [{"role": "system", "content": system}, {"role": "user", "content": user}],
                schema,
                attempts=self.attempts,
                max_tokens=token_budget(schema),
                temperature=self.temperature,
                **extra,
            )
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1
