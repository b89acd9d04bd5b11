import { useState } from "react";
import { Button, Form, Label, TextArea, TextField } from "react-aria-components";

import { api, ok } from "../api/client";
import { Problem } from "../app/Problem";
import { submitted, useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";
import { kindName, severities } from "../teaching/proctoringWords";

/** A proctored sitting's review as its learner sees it (counts, never the pictures): the
 * latest decision, and an appeal against a suspicious or violation decision. */
export function ProctoringOutcome({ sittingId }: { sittingId: string }) {
  const path = { params: { path: { sitting_id: sittingId } } };
  const report = useLoad(
    async () => ok(await api.GET("/api/v1/proctor/sittings/{sitting_id}/report", path)),
    [sittingId],
  );
  const [appealed, setAppealed] = useState(false);
  const appeal = useAction(async (form: FormData) => {
    const body = { reason: String(form.get("reason")) };
    await ok(await api.POST("/api/v1/proctor/sittings/{sitting_id}/appeal", { ...path, body }));
    setAppealed(true);
    report.reload();
  });
  const shown = report.data;
  if (!shown) return <Problem error={report.error} />;
  if (shown.mode === "not_required") return null;
  const latest = shown.decisions.at(-1);
  const appealable = latest && latest.decision !== "clean" && !shown.appeal && !appealed;
  return (
    <section aria-labelledby="proctoring-outcome">
      <h2 id="proctoring-outcome">Proctoring</h2>
      <p>
        {kindName(shown.mode)} sitting; {severities(shown.severity_counts)}.{" "}
        {latest
          ? `Reviewed: ${latest.decision}${latest.note ? ` — ${latest.note}` : ""}.`
          : "Not reviewed yet."}
      </p>
      {shown.appeal && (
        <p role="status">
          Your appeal is{" "}
          {shown.appeal.status === "open" ? "waiting for a second review" : "decided"}.
        </p>
      )}
      {appealable && (
        <Form className="narrow" onSubmit={submitted(appeal.run)} aria-label="Appeal the review">
          <TextField name="reason" isRequired maxLength={2000}>
            <Label>Why the decision is wrong</Label>
            <TextArea rows={3} />
          </TextField>
          <Problem error={appeal.error} />
          <Button type="submit" isDisabled={appeal.busy}>
            Appeal
          </Button>
        </Form>
      )}
    </section>
  );
}
