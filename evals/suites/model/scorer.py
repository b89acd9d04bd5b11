"""Scores the model alone, without the tutor around it: which option letter it finds likeliest,
and how likely it finds the book's worked solutions (mean negative log-likelihood per token, the
figure a fine-tune on solutions should lower). Each question costs one generated token."""

import asyncio
from collections.abc import Sequence
from typing import Any

from evals.likelihood import Likelihood, option_logprobs
from evals.suite import Example, SuiteContext
from evals.suites.model.dataset import WorkedSolution
from evals.suites.tutor.dataset import ChoiceQuestion

CONCURRENCY = 8
SOLVE_PROMPT = "Solve the exercise and explain the solution."


async def _choice(llm: Likelihood, question: ChoiceQuestion) -> Example:
    letters = await option_logprobs(llm, question.asked(), [label for label, _ in question.options])
    # None when no option letter is among the likeliest first tokens.
    picked = max(letters, key=lambda label: letters[label]) if letters else None
    record = {"kind": "multiple_choice", "question": question.asked()[:800], "key": question.answer}
    return Example(
        question.key,
        {"choice_accuracy": float(picked == question.answer)},
        {**record, "model_choice": picked, "option_logprobs": letters},
    )


async def _solution(llm: Likelihood, item: WorkedSolution) -> Example:
    logprobs = await llm.reply_logprobs(
        [
            {"role": "system", "content": SOLVE_PROMPT},
            {"role": "user", "content": item.problem},
        ],
        item.solution,
    )
    if not logprobs:
        raise RuntimeError("no log-probabilities for the solution (is the endpoint vLLM?)")
    nll = -sum(logprobs) / len(logprobs)
    record = {"kind": "worked_solution", "problem": item.problem[:800], "tokens": len(logprobs)}
    return Example(item.key, {"solution_nll": nll}, record)


async def score(context: SuiteContext, items: Sequence[Any]) -> list[Example]:
    llm = context.require_likelihood("model")
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
