"""One tutor turn is one trace: the HTTP request's span, the graph's nodes, retrieval and the LLM
call nest in it, and the analytics event the turn writes carries it through the outbox to its
consumer. The in-memory exporter receives the spans of the live API (same process). And the turn
embeds its question once, for both of its searches."""

import asyncio
import time

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from platform_api.analytics.capture import TUTOR_TURN_COMPLETED
from tests.fixtures.app import Api
from tests.fixtures.tracing import Spans
from tests.rag.encoder_calls import record_encodes
from tests.tutor.conftest import TutorCourse
from tests.tutor.sse import ask, new_session, parse

# What a caller (a gateway, the browser's own tracing) sends: the turn must join its trace.
CALLER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_TRACEPARENT = f"00-{CALLER_TRACE_ID}-00f067aa0ba902b7-01"
NODES = ("load_context", "classify", "retrieve", "condense", "respond", "check")


async def wait_for_span(spans: Spans, name: str, within_seconds: float = 10) -> ReadableSpan:
    """The first such span once it ended (the server span ends after the last byte was sent)."""
    deadline = time.monotonic() + within_seconds
    while not spans.named(name):
        assert time.monotonic() < deadline, (name, [s.name for s in spans.finished()])
        await asyncio.sleep(0.05)
    return spans.named(name)[0]


async def test_one_turn_is_one_trace_from_http_to_the_llm_call(
    spans: Spans, tutor_api: Api, course: TutorCourse
) -> None:
    learner = await tutor_api.account("student")
    session_id = await new_session(tutor_api.client, learner.headers, course.course_id)
    async with tutor_api.client.stream(
        "POST",
        f"/api/v1/tutor/sessions/{session_id}/messages",
        json={"content": "How do clouds form from water vapour?"},
        headers={**learner.headers, "traceparent": CALLER_TRACEPARENT},
    ) as response:
        turn = await parse(response)
    assert not turn.done["refused"]

    server = await wait_for_span(spans, "POST /api/v1/tutor/sessions/{session_id}/messages")
    assert server.kind is SpanKind.SERVER
    assert server.attributes is not None
    assert server.attributes["http.response.status_code"] == 200
    assert server.parent is not None and server.parent.is_remote  # the caller's span

    nodes = {name: spans.one(f"tutor_chat.{name}") for name in NODES}
    turn_span = spans.one("tutor.turn")
    assert spans.ancestors(turn_span) == [server]
    for node in nodes.values():
        assert spans.ancestors(node)[-2:] == [turn_span, server], node.name

    # Retrieval runs in the retrieve node (and again when the check node weighs the answer).
    searches = [s for s in spans.named("rag.search") if turn_span in spans.ancestors(s)]
    assert any(nodes["retrieve"] in spans.ancestors(s) for s in searches)

    [answer_call] = [s for s in spans.children(nodes["respond"]) if s.kind is SpanKind.CLIENT]
    assert answer_call.name == f"chat {tutor_api.settings.llm_model}"
    assert answer_call.attributes is not None
    output_tokens = answer_call.attributes["gen_ai.usage.output_tokens"]
    assert isinstance(output_tokens, int) and output_tokens > 0
    assert answer_call.attributes["gen_ai.request.stream"] is True

    trace_ids = {format(s.context.trace_id, "032x") for s in spans.finished() if s.context}
    assert CALLER_TRACE_ID in trace_ids

    # The turn's analytics event left through the outbox and was consumed in the same trace.
    consumed = await wait_for_span(spans, f"{TUTOR_TURN_COMPLETED} process")
    [published] = spans.named(f"{TUTOR_TURN_COMPLETED} publish")
    assert consumed.kind is SpanKind.CONSUMER and published.kind is SpanKind.PRODUCER
    assert spans.ancestors(consumed)[0] == published
    assert consumed.context is not None and format(consumed.context.trace_id, "032x") == (
        CALLER_TRACE_ID
    )
    assert turn_span in spans.ancestors(published)


async def test_a_turn_embeds_its_question_once_for_both_searches(
    spans: Spans, tutor_api: Api, course: TutorCourse, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded = record_encodes(monkeypatch)
    learner = await tutor_api.account("student")
    session_id = await new_session(tutor_api.client, learner.headers, course.course_id)
    question = "How do clouds form from water vapour?"
    turn = await ask(tutor_api.client, learner.headers, session_id, question)
    assert not turn.done["refused"] and turn.done["citations"]

    [retrieve] = spans.named("tutor_chat.retrieve")
    searches = [s for s in spans.named("rag.search") if retrieve in spans.ancestors(s)]
    assert len(searches) == 2  # the passages and the stored exercises
    # The query alone is embedded once (the check node embeds it again beside the answer's
    # claims, in one batch).
    assert encoded.count([question]) == 1, encoded
