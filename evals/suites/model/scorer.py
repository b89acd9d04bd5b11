"""Scores the model alone, without the tutor around it: which option letter it finds likeliest,
and how likely it finds the book's worked solutions (mean negative log-likelihood per token, the
figure a fine-tune on solutions should lower). Each question costs one generated token."""

import asyncio
from collections.abc import Sequence
from typing import Any

from evals.suite import Example, SuiteContext
from evals.suites.model.dataset import WorkedSolution
from evals.suites.tutor.dataset import ChoiceQuestion
from serving.client import LLMClient

CONCURRENCY = 8
LETTER_PROMPT = "Answer the multiple-choice question with the letter of the correct option only."
SOLVE_PROMPT = "Solve the exercise and explain the solution."


async def model_choice(llm: LLMClient, question: ChoiceQuestion) -> str | None:
    """The option letter the model finds likeliest as its first token, or None when no option
    letter is among its likeliest first tokens."""
    ranked = await llm.next_token_logprobs(
        [
            {"role": "system", "content": LETTER_PROMPT},
            {"role": "user", "content": f"{question.asked()}\nAnswer:"},
        ]
    )
    present = {
        label: max(p for token, p in ranked.items() if token.strip("()").lower() == label)
        for label, _ in question.options
        if any(token.strip("()").lower() == label for token in ranked)
    }
    return max(present, key=lambda label: present[label]) if present else None


async def _choice(llm: LLMClient, question: ChoiceQuestion) -> Example:
    picked = await model_choice(llm, question)
    record = {"kind": "multiple_choice", "question": question.asked()[:800], "key": question.answer}
    return Example(
        question.key,
        {"choice_accuracy": float(picked == question.answer)},
        {**record, "model_choice": picked},
    )


async def _solution(llm: LLMClient, item: WorkedSolution) -> Example:
    logprobs = await llm.reply_logprobs(
        [
            {"role": "system", "content": SOLVE_PROMPT},
            {"role": "user", "content": item.problem},
        ],
        item.solution,
    )
    if not logprobs:
        raise RuntimeError("the endpoint returned no prompt log-probabilities (is it vLLM?)")
    nll = -sum(logprobs) / len(logprobs)
    record = {"kind": "worked_solution", "problem": item.problem[:800], "tokens": len(logprobs)}
    return Example(item.key, {"solution_nll": nll}, record)


async def score(context: SuiteContext, items: Sequence[Any]) -> list[Example]:
    llm = context.require_llm("model")
    gate = asyncio.Semaphore(CONCURRENCY)
    done = 0

    async def one(item: ChoiceQuestion | WorkedSolution) -> Example:
        nonlocal done
        async with gate:
            example = await (
                _solution(llm, item) if isinstance(item, WorkedSolution) else _choice(llm, item)
            )
        done += 1
        context.progress(done, len(items))
        return example

    return list(await asyncio.gather(*(one(item) for item in items)))
