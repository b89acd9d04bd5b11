import { useState } from "react";
import { Button, Form, Input, Label, TextArea, TextField } from "react-aria-components";

import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { formatWhen } from "../app/time";
import { submitted, useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";

type Entry = Schemas["QueueEntry"];
type Graded = Schemas["ResponseGradeOut"];

/** Why an answer waits for a person. */
function reason(entry: Entry): string {
  if (entry.disputed_at) return `Disputed: “${entry.dispute_reason ?? ""}”`;
  if (entry.grading_status === "delayed") return "Grading failed; grade it yourself.";
  const confidence =
    entry.confidence == null ? "" : ` (confidence ${Math.round(entry.confidence * 100)} %)`;
  return `The grader was unsure${confidence}.`;
}

/** One answer: the question, the learner's answer, the key, and a grade with its reason. */
function QueueCard({ entry }: { entry: Entry }) {
  const [graded, setGraded] = useState<Graded | null>(null);
  const grade = useAction(async (form: FormData) => {
    const body = { points: Number(form.get("points")), reason: String(form.get("reason")) };
    const path = { response_id: entry.response_id };
    setGraded(
      await ok(await api.POST("/api/v1/responses/{response_id}/grade", { params: { path }, body })),
    );
  });
  const label = `Answer to “${entry.question}”`;
  return (
    <li>
      <article aria-label={label}>
        <h2>{entry.question}</h2>
        <p className="muted">
          {reason(entry)} Answered {formatWhen(entry.answered_at)}.
        </p>
        <dl>
          <dt>Answer</dt>
          <dd>{entry.answer}</dd>
          <dt>Model answer</dt>
          <dd>{entry.model_answer || "—"}</dd>
          {entry.rubric.length > 0 && (
            <>
              <dt>Rubric</dt>
              <dd>
                <ul>
                  {entry.rubric.map((criterion) => (
                    <li key={criterion}>{criterion}</li>
                  ))}
                </ul>
              </dd>
            </>
          )}
          <dt>Current grade</dt>
          <dd>
            {entry.points ?? "—"} of {entry.max_points}
            {entry.justification ? ` — ${entry.justification}` : ""}
          </dd>
        </dl>
        {graded ? (
          <p role="status">
            Graded {graded.points} of {graded.max_points}.
          </p>
        ) : (
          <Form onSubmit={submitted(grade.run)} aria-label={`Grade: ${entry.question}`}>
            <TextField
              name="points"
              type="number"
              isRequired
              defaultValue={String(entry.points ?? "")}
            >
              <Label>Points (of {entry.max_points})</Label>
              <Input min={0} max={entry.max_points} step="any" />
            </TextField>
            <TextField name="reason" isRequired maxLength={2000}>
              <Label>Reason (the learner sees it)</Label>
              <TextArea />
            </TextField>
            <Problem error={grade.error} />
            <Button type="submit" isDisabled={grade.busy}>
              Save the grade
            </Button>
          </Form>
        )}
      </article>
    </li>
  );
}

/** Answers that wait for the teacher: the grader unsure, a learner's dispute, a failed grading. */
export function GradingQueuePage() {
  const queue = useLoad(async () => ok(await api.GET("/api/v1/grading-queue")), []);
  return (
    <section>
      <h1>Grading</h1>
      {queue.loading && <p role="status">Loading the answers that wait for you…</p>}
      <Problem error={queue.error} />
      {queue.data?.total === 0 && <p>Nothing waits for you.</p>}
      <ul className="stack">
        {queue.data?.items.map((entry) => (
          <QueueCard key={entry.response_id} entry={entry} />
        ))}
      </ul>
    </section>
  );
}
