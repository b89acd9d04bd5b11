import { useState } from "react";
import { Link } from "react-router";

import { api, ok, type Schemas } from "../api/client";
import { Choice } from "../app/Choice";
import { reviewPath } from "../app/paths";
import { Problem } from "../app/Problem";
import { formatWhen } from "../app/time";
import { useLoad } from "../app/useLoad";
import { kindName, severities } from "./proctoringWords";

type State = Schemas["ReviewState"];
const STATES: [State, string][] = [
  ["pending", "waiting for a decision"],
  ["appealed", "appealed"],
  ["decided", "decided"],
];

/** Ended proctored sittings for a reviewer: waiting, appealed or decided. */
export function ReviewsPage() {
  const [state, setState] = useState<State>("pending");
  const reviews = useLoad(
    async () => ok(await api.GET("/api/v1/proctor/reviews", { params: { query: { state } } })),
    [state],
  );
  return (
    <section>
      <h1>Proctoring reviews</h1>
      <div className="narrow">
        <Choice
          name="state"
          label="Show sittings"
          options={STATES}
          selectedKey={state}
          onSelectionChange={(key) => setState(key as State)}
        />
      </div>
      {reviews.loading && <p role="status">Loading the sittings…</p>}
      <Problem error={reviews.error} />
      {reviews.data?.total === 0 && <p>No sittings here.</p>}
      <ul className="stack">
        {reviews.data?.items.map((entry) => (
          <li key={entry.sitting_id}>
            <Link to={reviewPath(entry.sitting_id)}>
              {entry.learner_name}: {entry.exam_title}, ended {formatWhen(entry.ended_at)}
            </Link>
            <p className="muted">
              {severities(entry.severity_counts)}
              {entry.top_kinds.length > 0 &&
                ` — ${entry.top_kinds.map((k) => `${kindName(k.kind)} ×${k.count}`).join(", ")}`}
              {entry.latest_decision && ` — decided: ${entry.latest_decision.decision}`}
              {entry.appeal_status === "open" && " — appeal open"}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
