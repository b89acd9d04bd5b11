"""Asks the course search each question (lesson text only: the exercise itself is indexed too,
and finding it would say nothing) and scores where the right chapter ranks."""

import asyncio
from collections.abc import Sequence
from typing import Any

from evals.suite import Example, SuiteContext
from evals.suites.retrieval.dataset import RetrievalQuestion
from evals.suites.retrieval.thresholds import K
from evals.tutor_session import LESSON_TEXT
from rag.retrieve import search

CONCURRENCY = 4


async def score(context: SuiteContext, questions: Sequence[Any]) -> list[Example]:
    database = context.require_database("retrieval")
    embedder = context.shared_embedder()
    gate = asyncio.Semaphore(CONCURRENCY)
    done = 0

    async def one(question: RetrievalQuestion) -> Example:
        nonlocal done
        course = await context.course_id(question.book)
        async with gate:
            hits = await search(
                database,
                question.query,
                [course],
                K,
                kinds=LESSON_TEXT,
                embedder=embedder,
                settings=context.rag_settings,
            )
        done += 1
        context.progress(done, len(questions))
        rank = next((i for i, h in enumerate(hits, 1) if h.chapter_title == question.chapter), 0)
        return Example(
            question.key,
            {
                "chapter_hit_at_k": float(rank > 0),
                "chapter_mrr": 1 / rank if rank else 0.0,
                "section_hit_at_k": float(any(h.source_module == question.module_id for h in hits)),
            },
            {
                "book": question.book,
                "question": question.query[:500],
                "chapter": question.chapter,
                "retrieved_chapters": [h.chapter_title for h in hits],
            },
        )

    return list(await asyncio.gather(*(one(q) for q in questions)))
