"""The tutor conversation, one turn per run, every node in this file.

    load_context → classify ─┬─ unsafe / exam in progress ─→ refuse ─────────────→ END
                             └─ retrieve ─┬─ not covered ─→ not_covered ─────────→ END
                                          └─ condense → respond → check ─────────→ END

``retrieve`` also weighs a multiple-choice question's options against the course's passages
(``rag/evidence.py``): in explain mode ``respond`` opens with the option the evidence supports and
``check`` keeps the LLM's explanation only when it agrees (``agents/tutor/grounding.py``); in
Socratic mode the guiding question points at the passage that settles it. ``check`` scores every
other answer's claims against the course, and the state's ``support`` says how well the material
backs the answer.

Tokens reach the caller through LangGraph's ``custom`` stream as they are generated: events
``{"type": "token", "text"}`` and, when the check node withdraws streamed text (a Socratic
answer that started to give the final answer away), ``{"type": "replace", "text"}``.
"""

import asyncio
import dataclasses
import time
import uuid
from contextlib import aclosing
from typing import Any, NamedTuple, cast

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agents.tutor import grounding, memory, policy
from agents.tutor.answers import FinalAnswer, LeakGuard, restates
from agents.tutor.choices import Choice, choices_of, parse_choices
from agents.tutor.citations import (
    Citation,
    Source,
    cite,
    sources_line,
    strip_unknown_markers,
)
from agents.tutor.moderation import SafetyCategory, screen
from core.tracing import traced
from graphs.tutor_chat.ports import ExerciseKey, FlagReport, LearnerContext, TutorDeps
from graphs.tutor_chat.state import MultipleChoiceTurn, OptionEvidence, TurnSupport, TutorState
from rag.evidence import Ranking
from rag.retrieve import Hit, QueryVector
from serving.client import Message, TokenUsage

# A follow-up this short ("why?", "I don't get it") is retrieved together with the question before.
SHORT_FOLLOW_UP_WORDS = 8
SUMMARY_MAX_TOKENS = 120
# Stored exercises compared with each message (the closest by retrieval).
EXERCISE_CANDIDATES = 2


def build_tutor_graph(
    deps: TutorDeps, checkpointer: BaseCheckpointSaver[Any] | None = None
) -> CompiledStateGraph[Any]:
    settings = deps.settings

    async def load_context(state: TutorState) -> dict[str, Any]:
        # The question is embedded once, while the learner's context is read: both of
        # retrieve's searches take that vector (refused turns waste one query encoding).
        context, vector = await asyncio.gather(
            deps.ports.learner_context(
                uuid.UUID(state["learner_id"]), uuid.UUID(state["course_id"])
            ),
            deps.ports.embed_query(_retrieval_query(state)),
        )
        made = dataclasses.asdict(vector) if vector else None
        return {"context": context.model_dump(mode="json"), "query_vector": made}

    async def classify(state: TutorState) -> dict[str, Any]:
        safety = screen(state["question"])
        if safety is None and state.get("personal_data_removed"):
            safety = SafetyCategory.PERSONAL_DATA
        if safety is not None:
            return {"intent": "unsafe", "safety": safety.value}
        if LearnerContext.model_validate(state["context"]).exam_in_progress:
            return {"intent": "exam_in_progress", "safety": None}
        return {"intent": "content_question", "safety": None}

    async def retrieve(state: TutorState) -> dict[str, Any]:
        # The query's vector has served both searches: the checkpoint need not keep it.
        return {**await _course_sources(state, deps), "query_vector": None}

    async def condense(state: TutorState) -> dict[str, Any]:
        start = state.get("summarized", 0)
        recent = state["messages"][start:]
        count = memory.to_summarise(recent, settings.memory_tokens)
        if count == 0:
            return {}
        previous = state.get("summary", "")
        summary = await deps.llm.chat(
            [
                {"role": "system", "content": policy.SUMMARY_PROMPT},
                {
                    "role": "user",
                    "content": f"{previous}\n{memory.transcript(recent[:count])}".strip(),
                },
            ],
            max_tokens=SUMMARY_MAX_TOKENS,
            temperature=0.0,
        )
        return {"summary": summary.strip(), "summarized": start + count}

    async def respond(state: TutorState) -> dict[str, Any]:
        write = get_stream_writer()
        guard = LeakGuard(_final_answer(state))
        usage = TokenUsage()
        started = time.perf_counter()
        first_token_at: float | None = None
        if lead := _evidence_lead(state):
            write({"type": "token", "text": f"{lead} "})
            first_token_at = time.perf_counter()
        async with aclosing(
            deps.llm.stream_chat(
                _prompt(state, settings.memory_tokens),
                usage=usage,
                max_tokens=settings.max_answer_tokens,
                temperature=settings.temperature,
            )
        ) as pieces:
            async for piece in pieces:
                first_token_at = first_token_at or time.perf_counter()
                if released := guard.feed(piece):
                    write({"type": "token", "text": released})
                if guard.leaked:
                    break  # leaving the block closes the stream: the LLM stops generating
        if tail := guard.flush():
            write({"type": "token", "text": tail})
        ttft = ((first_token_at or time.perf_counter()) - started) * 1000
        return {
            "answer": f"{lead} {guard.released}" if lead else guard.released,
            "leaked": guard.leaked,
            "usage": {
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "ttft_ms": ttft,
            },
        }

    async def check(state: TutorState) -> dict[str, Any]:
        sources = [Source.model_validate(s) for s in state["sources"]]
        shown = state["answer"]
        answer = strip_unknown_markers(shown, len(sources)).rstrip()
        choice = _guided_choice(state)
        # "The correct answer is:" and nothing after it (the option was cut) says nothing.
        announced = choice is not None and answer.endswith(":")
        withdrawn = bool(state.get("leaked") or not answer.strip() or announced)
        if withdrawn:
            answer = (
                _choice_question(state, choice, sources)
                if choice
                else policy.socratic_redirect(sources[0] if sources else None)
            )
        elif choice and not _asks_about(answer, choice["passage"]):
            answer = f"{answer}\n\n{_choice_question(state, choice, sources)}"
        answer = _explained_choice(state, answer, sources) or answer
        support = await _support(state, None if withdrawn else answer, deps)
        if support and support["basis"] == "answer" and not support["supported"]:
            answer = f"{answer}\n\n{policy.LOW_SUPPORT}"
        citations = cite(answer, sources)
        final = f"{answer}\n\n{sources_line(citations)}"
        get_stream_writer()(_continuation(shown, final))
        dumped = _dump(citations)
        return {
            "answer": final,
            "citations": dumped,
            "refused": False,
            "support": support,
            "messages": [_reply(state, final, dumped, support)],
        }

    async def refuse(state: TutorState) -> dict[str, Any]:
        if state["intent"] == "exam_in_progress":
            text = policy.EXAM_IN_PROGRESS
        else:
            category = SafetyCategory(cast(str, state["safety"]))  # set with intent "unsafe"
            text = policy.REFUSALS[category]
            await deps.ports.flag(
                FlagReport(
                    session_id=uuid.UUID(state["session_id"]),
                    turn_id=uuid.UUID(state["turn_id"]),
                    learner_id=uuid.UUID(state["learner_id"]),
                    course_id=uuid.UUID(state["course_id"]),
                    category=category,
                )
            )
            if category is SafetyCategory.PERSONAL_DATA:
                return _withhold_question(state, _fixed_reply(state, text, refused=True))
        return _fixed_reply(state, text, refused=True)

    async def not_covered(state: TutorState) -> dict[str, Any]:
        return _fixed_reply(state, policy.NOT_COVERED, refused=False)

    graph = StateGraph(TutorState)
    for node in (load_context, classify, retrieve, condense, respond, check, refuse, not_covered):
        # Each node a span ("tutor_chat.retrieve"), nested in the turn's HTTP request span.
        graph.add_node(node.__name__, traced(f"tutor_chat.{node.__name__}")(node))
    graph.add_edge(START, "load_context")
    graph.add_edge("load_context", "classify")
    graph.add_conditional_edges("classify", _after_classify, ["refuse", "retrieve"])
    graph.add_conditional_edges("retrieve", _after_retrieve, ["not_covered", "condense"])
    graph.add_edge("condense", "respond")
    graph.add_edge("respond", "check")
    for last in ("check", "refuse", "not_covered"):
        graph.add_edge(last, END)
    return graph.compile(checkpointer=checkpointer, name="tutor_chat")


def _after_classify(state: TutorState) -> str:
    return "refuse" if state["intent"] in ("unsafe", "exam_in_progress") else "retrieve"


def _after_retrieve(state: TutorState) -> str:
    return "not_covered" if state["intent"] == "off_topic" else "condense"


def _retrieval_query(state: TutorState) -> str:
    """The question, with the learner's previous question when this one is a short follow-up."""
    question = state["question"]
    if len(question.split()) >= SHORT_FOLLOW_UP_WORDS:
        return question
    earlier = [m.text for m in state["messages"][:-1] if isinstance(m, HumanMessage)]
    return f"{earlier[-1]} {question}" if earlier else question


async def _course_sources(state: TutorState, deps: TutorDeps) -> dict[str, Any]:
    """The passages for the question, the stored exercise it asks (if any) and its options'
    evidence; "off_topic" when the course has nothing relevant."""
    settings, course_id = deps.settings, uuid.UUID(state["course_id"])
    vector = _query_vector(state)
    # The exercise look-up does not depend on the passages found: both searches at once.
    hits, matched = await asyncio.gather(
        deps.ports.retrieve(_retrieval_query(state), course_id, settings.sources, vector=vector),
        _matching_exercises(state, deps, vector),
    )
    if not hits or max(h.similarity for h in hits) < settings.min_relevance:
        return {"intent": "off_topic", "sources": [], "exercise": None, "same_question": []}
    sources = [_source(number, hit) for number, hit in enumerate(hits, start=1)]
    exercise = matched[0] if matched else None
    choice = await _multiple_choice(state, exercise, sources, deps)
    found = {"sources": _dump(sources), "multiple_choice": choice}
    if exercise is None:
        intent = "homework_help" if choice else "content_question"
        return {**found, "intent": intent, "exercise": None, "same_question": []}
    levels = dict(state.get("hint_levels") or {})
    key = str(exercise.item_id)
    levels[key] = levels.get(key, -1) + 1
    return {
        **found,
        "intent": "homework_help",
        "exercise": exercise.model_dump(mode="json"),
        "same_question": [other.model_dump(mode="json") for other in matched[1:]],
        "hint_levels": levels,
    }


def _query_vector(state: TutorState) -> QueryVector | None:
    """The turn's query vector, made by ``load_context``."""
    made = state.get("query_vector")
    return QueryVector(**made) if made else None


async def _matching_exercises(
    state: TutorState, deps: TutorDeps, vector: QueryVector | None
) -> list[ExerciseKey]:
    """The stored exercises the learner is asking about: every one whose question the message
    is word for word (a book asks "What is the p-value?" in many exercises, and the learner may
    mean any), else one of the closest exercises that the message matches closely or whose
    question it restates (a multiple-choice stem pasted without its options is far less similar
    to the indexed exercise, which holds them), with the others asking exactly its question."""
    query, course_id = _retrieval_query(state), uuid.UUID(state["course_id"])
    if asked := await deps.ports.exercises_asking(course_id, state["question"]):
        return asked
    hits = await deps.ports.retrieve(
        query, course_id, EXERCISE_CANDIDATES, kinds=["exercise"], vector=vector
    )
    for hit in hits:
        exercise = await deps.ports.exercise(hit.item_id) if hit.item_id else None
        close = hit.similarity >= deps.settings.exercise_match
        if exercise and (close or restates(query, exercise.prompt)):
            same = await deps.ports.exercises_asking(course_id, exercise.prompt)
            return [exercise, *(other for other in same if other.item_id != exercise.item_id)]
    return []


async def _multiple_choice(
    state: TutorState, exercise: ExerciseKey | None, sources: list[Source], deps: TutorDeps
) -> MultipleChoiceTurn | None:
    """The options of a multiple-choice exercise, stored or written in the message, what the
    course's evidence says about them, and the passage that settles it (passages are added to
    ``sources`` when retrieval had not shown them)."""
    stem, written = parse_choices(state["question"])
    stored = choices_of(exercise.options) if exercise else []
    if not (stored or written):
        return None
    if exercise and stored:
        stem = exercise.prompt
    choices = list({(c.label, c.text): c for c in [*stored, *written]}.values())
    course_id = uuid.UUID(state["course_id"])
    ranking = await deps.ports.weigh_options(stem, [c.text for c in choices], course_id)
    evidence = _option_evidence(ranking, choices, exercise, sources, deps)
    passage = await _settling_passage(state, stem, exercise, stored, sources, deps, evidence)
    return {
        "stem": stem,
        "options": [{"label": c.label, "text": c.text} for c in choices],
        "passage": passage,
        "evidence": evidence,
    }


def _option_evidence(
    ranking: Ranking,
    choices: list[Choice],
    exercise: ExerciseKey | None,
    sources: list[Source],
    deps: TutorDeps,
) -> OptionEvidence:
    """The option the evidence supports, unless its confidence is too low to name one or the
    exercise's stored key says otherwise (the tutor never states a known-wrong option; nor does
    it read the key out: keys are for grading)."""
    chosen, hit = choices[ranking.best], ranking.chosen.passage
    key = exercise.answer.lower() if exercise and exercise.answer else None
    settled = ranking.confidence >= deps.settings.evidence_min_confidence
    picked = hit is not None and settled and key in (None, chosen.label)
    return {
        "label": chosen.label if picked else None,
        "confidence": ranking.confidence,
        "supported": picked and ranking.supported,
        "passage": _shown(_source(0, hit), sources) if hit else None,
    }


async def _settling_passage(
    state: TutorState,
    stem: str,
    exercise: ExerciseKey | None,
    stored: list[Choice],
    sources: list[Source],
    deps: TutorDeps,
    evidence: OptionEvidence,
) -> int:
    """The number of the passage that settles the exercise: the keyed option's lesson text when
    the exercise is stored with a key (preferring its own lesson), else the passage supporting
    the option the evidence picks, else the best lesson text shown."""
    key = exercise.answer.lower() if exercise and exercise.answer else None
    keyed = next((c.text for c in stored if c.label == key), "")
    if not keyed and evidence["label"] and evidence["passage"]:
        return evidence["passage"]
    course_id, k = uuid.UUID(state["course_id"]), deps.settings.sources
    hits = await deps.ports.retrieve(f"{stem} {keyed}", course_id, k, ["text"]) if keyed else []
    found = [_source(0, hit) for hit in hits]
    texts = [*found, *(s for s in sources if s.kind == "text")] or sources
    lesson = exercise.lesson_id if exercise else None
    return _shown(next((s for s in texts if s.lesson_id == lesson), texts[0]), sources)


def _shown(passage: Source, sources: list[Source]) -> int:
    """The number of ``passage`` among the sources, appended to them when not shown yet."""
    shown = next((s for s in sources if s.chunk_id == passage.chunk_id), None)
    if shown is None:
        shown = passage.model_copy(update={"number": len(sources) + 1})
        sources.append(shown)
    return shown.number


class _Pick(NamedTuple):
    label: str
    text: str
    passage: int
    supported: bool


def _explain_pick(state: TutorState) -> _Pick | None:
    """In explain mode, the option the evidence supports and the passage that supports it."""
    choice = state.get("multiple_choice")
    if choice is None or _socratic(state):
        return None
    evidence = choice["evidence"]
    label, passage = evidence["label"], evidence["passage"]
    if label is None or passage is None:
        return None
    text = next(o["text"] for o in choice["options"] if o["label"] == label)
    return _Pick(label, text, passage, evidence["supported"])


def _evidence_lead(state: TutorState) -> str:
    """In explain mode, the opening that states the option the evidence supports."""
    pick = _explain_pick(state)
    return policy.evidence_lead(*pick) if pick else ""


def _explained_choice(state: TutorState, answer: str, sources: list[Source]) -> str | None:
    """An explain-mode answer to a multiple-choice question as the evidence has it (see
    ``agents/tutor/grounding.py``); None in Socratic mode or without options."""
    choice = state.get("multiple_choice")
    if choice is None or _socratic(state):
        return None
    choices, pick = choices_of(choice["options"]), _explain_pick(state)
    if pick is None:
        return grounding.unsettled_choice(answer, choices, choice["stem"])
    passage = next(s for s in sources if s.number == pick.passage)
    lead = policy.evidence_lead(*pick)
    return grounding.explained_choice(answer, lead, choices, choice["stem"], pick.label, passage)


async def _support(state: TutorState, answer: str | None, deps: TutorDeps) -> TurnSupport | None:
    """How well the material backs this answer: the evidence's confidence in its option for a
    multiple-choice question, else the support of the answer's claims (None for a fixed reply
    or an answer that claims nothing)."""
    if (choice := state.get("multiple_choice")) is not None:
        evidence = choice["evidence"]
        return {
            "score": evidence["confidence"],
            "supported": evidence["supported"],
            "basis": "options",
        }
    claims = grounding.claims_of(answer or "")
    if not claims:
        return None
    course_id = uuid.UUID(state["course_id"])
    checked = await deps.ports.check_claims(state["question"], claims, course_id)
    return {"score": checked.confidence, "supported": checked.supported, "basis": "answer"}


def _guided_choice(state: TutorState) -> MultipleChoiceTurn | None:
    """The multiple-choice exercise of this turn, when the course is Socratic."""
    return state.get("multiple_choice") if _socratic(state) else None


def _socratic(state: TutorState) -> bool:
    return LearnerContext.model_validate(state["context"]).mode is policy.TutorMode.SOCRATIC


def _asks_about(answer: str, passage: int) -> bool:
    """Whether the model's answer already asks the learner something and cites the passage."""
    return "?" in answer and f"[{passage}]" in answer


def _choice_question(state: TutorState, choice: MultipleChoiceTurn, sources: list[Source]) -> str:
    passage = next(s for s in sources if s.number == choice["passage"])
    return policy.guiding_question(passage, choice["stem"], _final_answer(state).found_in)


def _final_answer(state: TutorState) -> FinalAnswer:
    """What this answer must not contain, in Socratic mode: the exercise's final answer and,
    for a multiple-choice exercise, every one of its options."""
    if not _socratic(state):
        return FinalAnswer()
    choice = state.get("multiple_choice")
    options = choices_of(choice["options"]) if choice else []
    if (exercise := state.get("exercise")) is not None:
        key = ExerciseKey.model_validate(exercise)
        final = FinalAnswer.of_exercise(key.prompt, key.answer, key.solution, options)
        # The learner may mean any exercise that asks the very same question.
        others = [ExerciseKey.model_validate(o) for o in state.get("same_question") or []]
        return final.also_forbidding(
            [FinalAnswer.of_exercise(o.prompt, o.answer, o.solution) for o in others],
            given=state["question"],
        )
    return FinalAnswer.of_exercise(choice["stem"], None, "", options) if choice else FinalAnswer()


def _exercise_hint(state: TutorState, context: LearnerContext) -> str:
    """Socratic mode: the hint-ladder rung for the exercise under discussion and, for a
    multiple-choice one, the rule to name no option. Explain mode: the rule to explain the
    option the evidence supports."""
    if context.mode is not policy.TutorMode.SOCRATIC:
        pick = _explain_pick(state)
        return policy.evidence_rule(pick.label, pick.text, pick.passage) if pick else ""
    choice = state.get("multiple_choice")
    rules = [policy.choice_rule(choice["passage"])] if choice else []
    exercise = state.get("exercise")
    if exercise is not None:
        key = ExerciseKey.model_validate(exercise)
        level = (state.get("hint_levels") or {}).get(str(key.item_id), 0)
        rules.append(policy.hint_instruction(level))
        # A multiple-choice solution is its key letter: there are no steps to walk through.
        if level >= len(policy.HINT_LADDER) - 1 and key.solution and not choice:
            final = FinalAnswer.of_exercise(key.prompt, key.answer, key.solution)
            rules.append(f"Worked solution with the answer blanked: {final.mask(key.solution)}")
    return "\n".join(rules)


def _prompt(state: TutorState, memory_tokens: int) -> list[Message]:
    context = LearnerContext.model_validate(state["context"])
    sources = [Source.model_validate(s) for s in state["sources"]]
    history = memory.fit_history(state["messages"][state.get("summarized", 0) :], memory_tokens)
    system = policy.system_prompt(
        context.course_title,
        context.mode,
        sources,
        summary=state.get("summary", ""),
        exercise_hint=_exercise_hint(state, context),
        weak_objectives=context.weak_objectives,
    )
    return [{"role": "system", "content": system}, *map(_chat_message, history)]


def _chat_message(message: AnyMessage) -> Message:
    if isinstance(message, HumanMessage):
        return {"role": "user", "content": message.text}
    return {"role": "assistant", "content": message.text}


def _source(number: int, hit: Hit) -> Source:
    return Source(
        number=number,
        chunk_id=hit.chunk_id,
        lesson_id=hit.lesson_id,
        lesson_title=hit.lesson_title,
        chapter_title=hit.chapter_title,
        source_module=hit.source_module,
        kind=hit.kind,
        similarity=hit.similarity,
        text=hit.text,
    )


def _continuation(shown: str, final: str) -> dict[str, str]:
    """The stream event that turns what the client shows into the final text: the missing tail
    as one more token, or a ``replace`` when the text changed (a withdrawn leak, a bad marker)."""
    if final.startswith(shown):
        return {"type": "token", "text": final[len(shown) :]}
    return {"type": "replace", "text": final}


def _dump(models: list[Source] | list[Citation]) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json") for m in models]


def _reply(
    state: TutorState,
    text: str,
    citations: list[dict[str, Any]],
    support: TurnSupport | None = None,
) -> AIMessage:
    """The tutor's message of this turn, with what the API shows beside it."""
    return AIMessage(
        id=f"{state['turn_id']}:answer",
        content=text,
        additional_kwargs={
            "turn_id": state["turn_id"],
            "citations": citations,
            "refused": state["intent"] in ("unsafe", "exam_in_progress"),
            "intent": state["intent"],
            "support": support,
        },
    )


def _withhold_question(state: TutorState, update: dict[str, Any]) -> dict[str, Any]:
    """The learner's message replaced by a placeholder in memory and analytics: the scrubber
    misses details written in unusual shapes that the safety screen still recognised."""
    withheld = HumanMessage(id=f"{state['turn_id']}:question", content=policy.WITHHELD)
    return {**update, "question": policy.WITHHELD, "messages": [withheld, *update["messages"]]}


def _fixed_reply(state: TutorState, text: str, *, refused: bool) -> dict[str, Any]:
    """A reply the tutor says word for word (refusals, "not covered"), streamed at once."""
    get_stream_writer()({"type": "token", "text": text})
    return {
        "answer": text,
        "citations": [],
        "refused": refused,
        "sources": [],
        "support": None,
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "ttft_ms": 0.0},
        "messages": [_reply(state, text, [])],
    }
