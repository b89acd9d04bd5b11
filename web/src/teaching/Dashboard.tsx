import { Button } from "react-aria-components";

import type { Schemas } from "../api/client";
import { Scrolls } from "../app/Scrolls";
import { formatWhen } from "../app/time";

type DashboardProps = { dashboard: Schemas["ClassDashboard"]; onRefresh: () => void };

const percent = (share: number): string => `${Math.round(share * 100)} %`;

/** The mastery grid: a row per learner, a column per objective, the chance each is known. */
function MasteryGrid({ dashboard }: { dashboard: Schemas["ClassDashboard"] }) {
  const cells = new Map(
    dashboard.mastery.map((cell) => [`${cell.learner_id}/${cell.objective_id}`, cell]),
  );
  if (dashboard.objectives.length === 0) {
    return <p className="muted">No learner has answered a question on an objective yet.</p>;
  }
  return (
    <Scrolls label="Mastery grid">
      <table className="grid">
        <caption>Chance each objective is known, from the answers so far</caption>
        <thead>
          <tr>
            <th scope="col">Learner</th>
            {dashboard.objectives.map((objective) => (
              <th scope="col" key={objective.id}>
                {objective.text}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {dashboard.learners.map((learner) => (
            <tr key={learner.id}>
              <th scope="row">{learner.display_name}</th>
              {dashboard.objectives.map((objective) => {
                const cell = cells.get(`${learner.id}/${objective.id}`);
                return (
                  <td key={objective.id}>
                    {cell?.p_known != null
                      ? `${percent(cell.p_known)} (${cell.correct}/${cell.answers})`
                      : "—"}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </Scrolls>
  );
}

/** A class at a glance: mastery, the most missed questions, who has gone quiet. */
export function Dashboard({ dashboard, onRefresh }: DashboardProps) {
  return (
    <section aria-labelledby="dashboard">
      <h2 id="dashboard">Dashboard</h2>
      <Button onPress={onRefresh}>Refresh</Button>
      <h3>Mastery</h3>
      <MasteryGrid dashboard={dashboard} />
      <h3>Most missed questions</h3>
      {dashboard.most_wrong_items.length === 0 ? (
        <p className="muted">No wrong answers yet.</p>
      ) : (
        <ol aria-label="Most missed questions">
          {dashboard.most_wrong_items.map((item) => (
            <li key={item.item_id}>
              {item.prompt} — {item.wrong} wrong of {item.answers}
            </li>
          ))}
        </ol>
      )}
      <h3>Inactive for {dashboard.inactive_after_days} days or more</h3>
      {dashboard.inactive_learners.length === 0 ? (
        <p className="muted">Everyone has been active.</p>
      ) : (
        <ul aria-label="Inactive learners">
          {dashboard.inactive_learners.map((learner) => (
            <li key={learner.learner_id}>
              {learner.display_name} (last active {formatWhen(learner.last_active_at)})
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
