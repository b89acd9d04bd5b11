"""Log-probabilities of a model source read in this process with transformers: what the
likelihood-only suites ask (the likeliest first tokens of a reply, a given reply's token
log-probabilities), answered as vLLM's API answers them, with the same chat template, weights
and dtype, so a registered version is scored without starting an inference server (on CPU, a
minute of engine start and a second KV cache per version compared).

``Likelihood`` is what such a scorer needs; ``serving.client.LLMClient`` (an endpoint) has it too.
"""

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from serving.client import Message

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase


class Likelihood(Protocol):
    async def next_token_logprobs(
        self, messages: list[Message], top: int = 20
    ) -> dict[str, float]: ...

    async def reply_logprobs(self, messages: list[Message], reply: str) -> list[float]: ...


LETTER_PROMPT = "Answer the multiple-choice question with the letter of the correct option only."


async def option_logprobs(llm: Likelihood, asked: str, labels: Sequence[str]) -> dict[str, float]:
    """The log-probability of each option letter as the reply's first token, for the letters
    among the model's likeliest first tokens (``asked``: the question with its lettered
    options)."""
    ranked = await llm.next_token_logprobs(
        [
            {"role": "system", "content": LETTER_PROMPT},
            {"role": "user", "content": f"{asked}\nAnswer:"},
        ]
    )
    return {
        label: max(p for token, p in ranked.items() if token.strip("()").lower() == label)
        for label in labels
        if any(token.strip("()").lower() == label for token in ranked)
    }


class LocalLikelihood:
    """A model folder read once; one forward pass at a time (torch uses every core for it)."""

    def __init__(self, model_dir: Path, dtype: str, device: str) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.tokenizer: PreTrainedTokenizerBase = AutoTokenizer.from_pretrained(model_dir)
        self.model: PreTrainedModel = AutoModelForCausalLM.from_pretrained(
            model_dir, dtype=getattr(torch, dtype), device_map=device
        )
        self.model.eval()
        self.device = device
        self._turn = asyncio.Lock()

    async def next_token_logprobs(self, messages: list[Message], top: int = 20) -> dict[str, float]:
        """The ``top`` likeliest first tokens of the reply, stripped as the endpoint's are."""
        ids = self._template(messages, reply=None)
        async with self._turn:
            scores = await asyncio.to_thread(self._log_softmax, ids)
        values, indices = scores[-1].topk(top)
        ranked: dict[str, float] = {}
        for logprob, token_id in zip(values.tolist(), indices.tolist(), strict=True):
            token = str(self.tokenizer.decode([token_id])).strip()
            ranked[token] = max(logprob, ranked.get(token, float("-inf")))
        return ranked

    async def reply_logprobs(self, messages: list[Message], reply: str) -> list[float]:
        """Each token of ``reply`` as the assistant's answer to ``messages``: its log-probability
        given everything before it (the conversation as the template writes it)."""
        full = self._template(messages, reply=reply)
        opening = len(self._template(messages, reply=""))
        async with self._turn:
            scores = await asyncio.to_thread(self._log_softmax, full)
        # The logits at position i predict token i + 1.
        return [float(scores[i - 1, full[i]]) for i in range(max(opening, 1), len(full))]

    async def close(self) -> None:
        """Nothing to release beyond memory: here so it closes like an endpoint client."""

    def _template(self, messages: list[Message], reply: str | None) -> list[int]:
        assistant: list[Message] = (
            [] if reply is None else [{"role": "assistant", "content": reply}]
        )
        # As vLLM does: the template's text, tokenised without adding special tokens again.
        text = self.tokenizer.apply_chat_template(
            cast("list[dict[str, str]]", [*messages, *assistant]),
            tokenize=False,
            add_generation_prompt=reply is None,
            continue_final_message=reply is not None,
        )
        return list(self.tokenizer(str(text), add_special_tokens=False)["input_ids"])

    def _log_softmax(self, ids: list[int]) -> "torch.Tensor":
        import torch

        with torch.inference_mode():
            batch = torch.tensor([ids], device=self.device)
            logits = self.model(input_ids=batch).logits[0]
            return logits.float().log_softmax(dim=-1).cpu()
