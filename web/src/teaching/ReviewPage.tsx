import { Button, Form, Label, TextArea, TextField } from "react-aria-components";
import { useParams } from "react-router";

import { api, ok, type Schemas } from "../api/client";
import { AuthorisedImage } from "../app/AuthorisedImage";
import { Choice } from "../app/Choice";
import { Problem } from "../app/Problem";
import { formatWhen } from "../app/time";
import { submitted, useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";
import { kindName, severities } from "./proctoringWords";

type Report = Schemas["IntegrityReport"];
type Decision = Schemas["platform_api__proctor__review__models__ReviewDecision"];
const DECISIONS: [Decision, string][] = [
  ["clean", "Clean: nothing to act on"],
  ["suspicious", "Suspicious: talk to the learner"],
  ["violation", "Violation: the rules were broken"],
];

/** Where an entry falls in the sitting: seconds into the session when the proctor says so. */
function moment(entry: Schemas["ReportEntry"]): string {
  if (entry.started_at_seconds == null) return formatWhen(entry.at);
  const end = entry.ended_at_seconds == null ? "" : `–${Math.round(entry.ended_at_seconds)} s`;
  return `${Math.round(entry.started_at_seconds)} s${end}`;
}

/** The sitting's time line: proctor, browser and tutor events with their keyframes. */
function Timeline({ report }: { report: Report }) {
  if (report.entries.length === 0) return <p>Nothing was recorded in this sitting.</p>;
  return (
    <ol className="timeline" aria-label="Time line">
      {report.entries.map((entry, index) => (
        <li key={`${entry.event_id ?? entry.at}-${index}`} data-severity={entry.severity ?? "none"}>
          <strong>{kindName(entry.kind)}</strong>{" "}
          <span className="muted">
            ({entry.source}, {moment(entry)})
          </span>
          {entry.severity && <span className="tag">{entry.severity}</span>}
          {entry.message && <p>{entry.message}</p>}
          {entry.evidence && entry.evidence.length > 0 && (
            <div className="thumbnails">
              {entry.evidence.map((path, frame) => (
                <AuthorisedImage
                  key={path}
                  path={path}
                  alt={`${kindName(entry.kind)}, keyframe ${frame + 1}`}
                />
              ))}
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}

/** A reviewer's decision: a new version over the latest one they saw. */
function DecisionForm({ report, onDecided }: { report: Report; onDecided: () => void }) {
  const latest = report.decisions.at(-1);
  const decide = useAction(async (form: FormData, element: HTMLFormElement) => {
    const body = {
      decision: String(form.get("decision")) as Decision,
      note: String(form.get("note") ?? ""),
      expected_version: latest?.version ?? 0,
    };
    const path = { sitting_id: report.sitting_id };
    await ok(
      await api.POST("/api/v1/proctor/sittings/{sitting_id}/decisions", { params: { path }, body }),
    );
    element.reset();
    onDecided();
  });
  return (
    <Form className="narrow" onSubmit={submitted(decide.run)} aria-label="Decision">
      <h2>{latest ? "Change the decision" : "Decide"}</h2>
      <Choice name="decision" label="Decision" options={DECISIONS} isRequired />
      <TextField name="note" maxLength={2000}>
        <Label>Note for the learner</Label>
        <TextArea />
      </TextField>
      <Problem error={decide.error} />
      <Button type="submit" isDisabled={decide.busy}>
        Record the decision
      </Button>
    </Form>
  );
}

/** One proctored sitting for its reviewer: the evidence time line, decisions, the appeal. */
export function ReviewPage() {
  const { sittingId = "" } = useParams();
  const report = useLoad(
    async () =>
      ok(
        await api.GET("/api/v1/proctor/sittings/{sitting_id}/report", {
          params: { path: { sitting_id: sittingId } },
        }),
      ),
    [sittingId],
  );
  const shown = report.data;
  return (
    <section>
      {report.loading && !shown && <p role="status">Loading the report…</p>}
      <Problem error={report.error} />
      {shown && (
        <>
          <h1>Review: {shown.exam_title}</h1>
          <p>
            {kindName(shown.mode)} sitting, {formatWhen(shown.started_at)} to{" "}
            {formatWhen(shown.ended_at)}.
          </p>
          <p>
            Identity{" "}
            {shown.sessions.some((session) => session.identity_verified)
              ? "verified"
              : "not verified"}
            ; {severities(shown.severity_counts)}.
          </p>
          <h2>Time line</h2>
          <Timeline report={shown} />
          <h2>Decisions</h2>
          {shown.decisions.length === 0 ? (
            <p className="muted">No decision yet.</p>
          ) : (
            <ol aria-label="Decisions">
              {shown.decisions.map((decision) => (
                <li key={decision.version}>
                  {decision.decision} ({decision.stage}, {formatWhen(decision.decided_at)})
                  {decision.note && ` — ${decision.note}`}
                </li>
              ))}
            </ol>
          )}
          {shown.appeal && (
            <p>
              Appeal ({shown.appeal.status}): “{shown.appeal.reason}”
            </p>
          )}
          <DecisionForm report={shown} onDecided={report.reload} />
        </>
      )}
    </section>
  );
}
