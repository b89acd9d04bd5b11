"""Asks the tutor as served and scores what it answers: which option its explanation names
(exactly one, else none), next to the option the evidence scorer ranks first and the option
letter the model alone finds likeliest (the ``model`` suite's measure), so that a run shows what
the evidence adds; whether its citation markers point at passages it retrieved; and in Socratic
mode whether it gives the key away (the final-answer check of agents.tutor), calls the wrong
attempt wrong (a rule and a judge), and how a judge rates its guidance.
"""

import asyncio
import re
from collections.abc import Sequence
from typing import Any

from agents.tutor.choices import Choice, ForbiddenChoices, named_options
from agents.tutor.policy import NOT_COVERED, TutorMode
from evals.likelihood import option_logprobs
from evals.suite import Example, SuiteContext
from evals.suites.tutor.dataset import ChoiceQuestion, OffSyllabusQuestion, PedagogyQuestion
from evals.suites.tutor.judge import judge
from evals.tutor_session import TutorReply, ask_tutor
from serving.client import LLMClient

CONCURRENCY = 8
_MARKER = re.compile(r"\[(\d+)\]")
_AFFIRMS = re.compile(r"^\W*(?:yes|correct|that'?s (?:right|correct)|exactly|well done)\b", re.I)
_CORRECTS = re.compile(
    r"\b(?:not (?:quite|correct|right)|incorrect|isn'?t (?:right|correct)|wrong|no[,.!])", re.I
)


def citation_validity(reply: TutorReply) -> float | None:
    """Share of the answer's [n] markers and citations that point at retrieved passages."""
    markers = [int(n) for n in _MARKER.findall(reply.answer)]
    retrieved = {hit.lesson_id for hit in reply.sources}
    checks = [1 <= n <= len(reply.sources) for n in markers]
    checks += [citation.lesson_id in retrieved for citation in reply.citations]
    return sum(checks) / len(checks) if checks else None


async def _choice(context: SuiteContext, llm: LLMClient, question: ChoiceQuestion) -> Example:
    course = await context.course_id(question.book)
    reply = await ask_tutor(context, llm, question.asked(), course)
    named = named_options(reply.answer, [Choice(*o) for o in question.options], question.stem)
    tutor_pick = named[0] if len(named) == 1 else None
    texts = [text for _, text in question.options]
    ranking = await context.shared_evidence("tutor").rank(question.stem, texts, [course])
    evidence_pick = question.options[ranking.best][0]
    labels = [label for label, _ in question.options]
    letters = await option_logprobs(context.require_likelihood("tutor"), question.asked(), labels)
    llm_pick = max(letters, key=lambda label: letters[label]) if letters else None
    scores = {
        "tutor_choice_accuracy": float(tutor_pick == question.answer),
        "evidence_choice_accuracy": float(evidence_pick == question.answer),
        "llm_alone_choice_accuracy": float(llm_pick == question.answer),
    }
    validity = citation_validity(reply)
    if validity is not None:
        scores["citation_validity"] = validity
    record = {
        "kind": "multiple_choice",
        "question": question.asked()[:800],
        "key": question.answer,
        "tutor_choice": tutor_pick,
        "evidence_choice": evidence_pick,
        "evidence_confidence": round(ranking.confidence, 3),
        "llm_alone_choice": llm_pick,
        "tutor_answer": reply.answer[:1200],
    }
    return Example(question.key, scores, record)


def _rule_mistake_identified(answer: str) -> float:
    return float(not _AFFIRMS.search(answer) and _CORRECTS.search(answer) is not None)


async def _pedagogy(context: SuiteContext, llm: LLMClient, item: PedagogyQuestion) -> Example:
    question = item.question
    course = await context.course_id(question.book)
    reply = await ask_tutor(context, llm, item.asked(), course, TutorMode.SOCRATIC)
    keyed = ForbiddenChoices.of([Choice(question.answer, question.text_of(question.answer))], "")
    scores = {
        "reveals_answer": float(keyed.found_in(reply.answer)),
        "rule_mistake_identification": _rule_mistake_identified(reply.answer),
    }
    verdicts = await judge(context.judge or llm, item.asked(), reply.answer)
    scores |= verdicts or {}
    record = {
        "kind": "pedagogy",
        "question": item.asked()[:800],
        "key": question.answer,
        "attempt": item.attempt,
        "tutor_answer": reply.answer[:1200],
        "judged": verdicts is not None,
    }
    return Example(item.key, scores, record)


async def _off_syllabus(
    context: SuiteContext, llm: LLMClient, question: OffSyllabusQuestion
) -> Example:
    reply = await ask_tutor(context, llm, question.text, await context.course_id(question.book))
    covered = reply.intent != "off_topic" and NOT_COVERED not in reply.answer
    record = {"kind": "off_syllabus", "question": question.text, "tutor_answer": reply.answer}
    return Example(question.key, {"not_covered": float(not covered)}, record)


async def score(context: SuiteContext, questions: Sequence[Any]) -> list[Example]:
    llm = context.require_llm("tutor")
    gate = asyncio.Semaphore(CONCURRENCY)
    done = 0

    async def one(question: Any) -> Example:
        nonlocal done
        async with gate:
            if isinstance(question, ChoiceQuestion):
                example = await _choice(context, llm, question)
            elif isinstance(question, PedagogyQuestion):
                example = await _pedagogy(context, llm, question)
            else:
                example = await _off_syllabus(context, llm, question)
        done += 1
        context.progress(done, len(questions))
        return example

    return list(await asyncio.gather(*(one(q) for q in questions)))
