import { useRef, useState } from "react";
import { Button, Form, Label, TextArea, TextField } from "react-aria-components";
import { Link } from "react-router";

import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { useLoad } from "../app/useLoad";
import { useDraft } from "../app/useDraft";
import { useOnline } from "../app/useOnline";
import { lessonPath } from "../app/paths";
import { Conversations } from "./Conversations";
import { Feedback } from "./Feedback";
import { ask, type Citation, startSession } from "./stream";

type Exchange = {
  question: string;
  answer: string;
  citations: Citation[];
  stopped: boolean;
  turnId?: string; // set when the answer is complete: it can be rated
};

/** A stored conversation's turns as question-and-answer pairs. */
function exchangesOf(detail: Schemas["SessionDetail"]): Exchange[] {
  const pairs: Exchange[] = [];
  for (const turn of detail.messages) {
    if (turn.role === "learner") {
      pairs.push({ question: turn.content, answer: "", citations: [], stopped: false });
    } else if (pairs.length > 0) {
      const last = pairs[pairs.length - 1];
      Object.assign(last, {
        answer: turn.content,
        citations: turn.citations ?? [],
        turnId: turn.turn_id,
      });
    }
  }
  return pairs;
}

const MODES: Record<Schemas["TutorMode"], string> = {
  socratic: "In this course the tutor guides you with questions rather than giving answers.",
  explain: "In this course the tutor explains, citing the lessons.",
};

/** The answer's "[n]" markers as links to the cited lessons. */
function Answer({
  text,
  citations,
  courseId,
}: {
  text: string;
  citations: Citation[];
  courseId: string;
}) {
  const byMarker = new Map(citations.map((citation) => [citation.marker, citation]));
  const parts = text.split(/(\[\d+\])/);
  return (
    <p className="answer">
      {parts.map((part, index) => {
        const marker = /^\[(\d+)\]$/.exec(part);
        const cited = marker ? byMarker.get(Number(marker[1])) : undefined;
        return cited ? (
          <Link key={index} to={lessonPath(courseId, cited.lesson_id)} title={cited.title}>
            {part}
          </Link>
        ) : (
          <span key={index}>{part}</span>
        );
      })}
    </p>
  );
}

export function TutorPanel({ courseId }: { courseId: string }) {
  const [exchanges, setExchanges] = useState<Exchange[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [draft, setDraft] = useDraft(`tutor.${courseId}`);
  const online = useOnline();
  const [streaming, setStreaming] = useState(false);
  const session = useRef<string | null>(null);
  const [sessionId, setSessionId] = useState<string | null>(null);
  const policy = useLoad(
    async () =>
      ok(
        await api.GET("/api/v1/courses/{course_id}/tutor-policy", {
          params: { path: { course_id: courseId } },
        }),
      ),
    [courseId],
  );
  const stopper = useRef<AbortController | null>(null);

  function update(change: (last: Exchange) => Exchange) {
    setExchanges((all) => [...all.slice(0, -1), change(all[all.length - 1])]);
  }

  async function send(question: string) {
    setError(null);
    setStreaming(true);
    stopper.current = new AbortController();
    setExchanges((all) => [...all, { question, answer: "", citations: [], stopped: false }]);
    try {
      session.current ??= await startSession(courseId);
      setSessionId(session.current);
      for await (const event of ask(session.current, question, stopper.current.signal)) {
        if (event.type === "token")
          update((last) => ({ ...last, answer: last.answer + event.text }));
        else if (event.type === "replace") update((last) => ({ ...last, answer: event.text }));
        else if (event.type === "done")
          update((last) => ({
            ...last,
            answer: event.done.answer,
            citations: event.done.citations,
            turnId: event.done.turn_id,
          }));
        else if (event.type === "error") setError(new Error(event.message));
      }
      setDraft("");
    } catch (failure) {
      if (stopper.current.signal.aborted) update((last) => ({ ...last, stopped: true }));
      else setError(failure);
    } finally {
      setStreaming(false);
    }
  }

  return (
    <aside className="tutor" aria-label="Tutor">
      <h2>Ask the tutor</h2>
      {policy.data && <p className="muted">{MODES[policy.data.mode]}</p>}
      <Conversations
        courseId={courseId}
        current={sessionId}
        onOpen={(detail) => {
          session.current = detail.id;
          setSessionId(detail.id);
          setExchanges(exchangesOf(detail));
        }}
        onDeleted={(deleted) => {
          if (deleted !== session.current) return;
          session.current = null;
          setSessionId(null);
          setExchanges([]);
        }}
      />
      <ol className="exchanges" aria-live="polite">
        {exchanges.map((exchange, index) => (
          <li key={index}>
            <p className="question">{exchange.question}</p>
            <Answer text={exchange.answer} citations={exchange.citations} courseId={courseId} />
            {exchange.stopped && <p className="muted">Stopped.</p>}
            {exchange.turnId && sessionId && (
              <Feedback key={exchange.turnId} sessionId={sessionId} turnId={exchange.turnId} />
            )}
            {exchange.citations.length > 0 && (
              <ul className="citations" aria-label="Sources">
                {exchange.citations.map((citation) => (
                  <li key={citation.marker}>
                    <Link to={lessonPath(courseId, citation.lesson_id)}>
                      [{citation.marker}] {citation.title}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
      {online ? (
        <Problem error={error} />
      ) : (
        <p role="alert" className="problem" data-code="offline">
          You are offline: the tutor needs the connection. Your question is kept until you are back.
        </p>
      )}
      <Form
        onSubmit={(event) => {
          event.preventDefault();
          if (draft.trim() && !streaming && online) void send(draft.trim());
        }}
      >
        <TextField value={draft} onChange={setDraft} maxLength={4000}>
          <Label>Your question</Label>
          <TextArea rows={3} />
        </TextField>
        <div className="row">
          <Button type="submit" isDisabled={streaming || !draft.trim() || !online}>
            Ask
          </Button>
          <Button isDisabled={!streaming} onPress={() => stopper.current?.abort()}>
            Stop
          </Button>
        </div>
      </Form>
    </aside>
  );
}
