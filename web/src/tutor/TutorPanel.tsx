import { useRef, useState } from "react";
import { Button, Form, Label, TextArea, TextField } from "react-aria-components";
import { Link } from "react-router";

import { Problem } from "../app/Problem";
import { useDraft } from "../app/useDraft";
import { useOnline } from "../app/useOnline";
import { lessonPath } from "../app/paths";
import { ask, type Citation, startSession } from "./stream";

type Exchange = { question: string; answer: string; citations: Citation[]; stopped: boolean };

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
      for await (const event of ask(session.current, question, stopper.current.signal)) {
        if (event.type === "token")
          update((last) => ({ ...last, answer: last.answer + event.text }));
        else if (event.type === "replace") update((last) => ({ ...last, answer: event.text }));
        else if (event.type === "done")
          update((last) => ({
            ...last,
            answer: event.done.answer,
            citations: event.done.citations,
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
      <ol className="exchanges" aria-live="polite">
        {exchanges.map((exchange, index) => (
          <li key={index}>
            <p className="question">{exchange.question}</p>
            <Answer text={exchange.answer} citations={exchange.citations} courseId={courseId} />
            {exchange.stopped && <p className="muted">Stopped.</p>}
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
