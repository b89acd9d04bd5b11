import { useState } from "react";
import { Button, Form, Label, TextArea, TextField } from "react-aria-components";

import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { submitted, useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";

type Result = Schemas["ResultItemOut"];

function verdict(result: Result): string {
  if (result.answer == null) return "Not answered.";
  if (result.points == null)
    return result.grading_status === "needs_review"
      ? "Your teacher is grading it."
      : "Not graded yet.";
  const mark =
    result.correct === true ? "Right" : result.correct === false ? "Not right" : "Graded";
  return `${mark}: ${result.points} of ${result.max_points}.`;
}

/** Asking the teacher to look at a grade again, with the learner's reason. */
function Dispute({ responseId }: { responseId: string }) {
  const [sent, setSent] = useState(false);
  const dispute = useAction(async (form: FormData) => {
    const path = { response_id: responseId };
    await ok(
      await api.POST("/api/v1/responses/{response_id}/dispute", {
        params: { path },
        body: { reason: String(form.get("reason")) },
      }),
    );
    setSent(true);
  });
  if (sent) return <p role="status">Sent to your teacher.</p>;
  return (
    <details>
      <summary>Dispute this grade</summary>
      <Form onSubmit={submitted(dispute.run)}>
        <TextField name="reason" isRequired maxLength={2000}>
          <Label>Why the grade is wrong</Label>
          <TextArea />
        </TextField>
        <Problem error={dispute.error} />
        <Button type="submit" isDisabled={dispute.busy}>
          Send the dispute
        </Button>
      </Form>
    </details>
  );
}

/** A submitted sitting's grades, shown when the assignment's feedback timing releases them. */
export function Results({ sitting }: { sitting: Schemas["SittingOut"] }) {
  const results = useLoad(
    async () =>
      ok(
        await api.GET("/api/v1/sittings/{sitting_id}/results", {
          params: { path: { sitting_id: sitting.id } },
        }),
      ),
    [sitting.id],
  );
  const prompts = new Map(sitting.items.map((item) => [item.item_id, item.prompt]));
  const shown = results.data;
  return (
    <section aria-labelledby="results">
      <h2 id="results">Results</h2>
      <Problem error={results.error} />
      {shown && (
        <>
          {shown.released ? (
            <p>
              {shown.score != null
                ? `Score: ${shown.score} of ${shown.max_score}.`
                : "Some answers are still being graded."}
            </p>
          ) : (
            <p>{shown.release_note}</p>
          )}
          <Button onPress={results.reload}>Check again</Button>
          <ol className="stack">
            {shown.items.map((result) => (
              <li key={result.item_id}>
                <p>{prompts.get(result.item_id)}</p>
                <p className="muted">Your answer: {result.answer ?? "—"}</p>
                {shown.released && <p>{verdict(result)}</p>}
                {shown.released && result.points != null && result.response_id && (
                  <Dispute responseId={result.response_id} />
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
