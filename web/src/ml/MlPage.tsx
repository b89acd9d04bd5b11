import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { Scrolls } from "../app/Scrolls";
import { formatWhen } from "../app/time";
import { useLoad } from "../app/useLoad";

/** A link into the MLflow UI when there is one, else the plain text. */
function Into({ href, children }: { href: string | null | undefined; children: React.ReactNode }) {
  return href ? (
    <a href={href} target="_blank" rel="noreferrer">
      {children}
    </a>
  ) : (
    <>{children}</>
  );
}

const figure = (value: number): string =>
  Number.isInteger(value) ? String(value) : value.toFixed(3);

function Models({ models }: { models: Schemas["RegisteredModelOut"][] }) {
  if (models.length === 0) return <p className="muted">No registered model yet.</p>;
  return (
    <>
      {models.map((model) => (
        <section key={model.name} aria-label={`Model ${model.name}`}>
          <h3>{model.name}</h3>
          <p>
            Champion: <strong>{model.champion ? `version ${model.champion}` : "none"}</strong>
            {model.champion_history.length > 1 && (
              <span className="muted">
                {" "}
                (champions so far: {model.champion_history.join(" → ")})
              </span>
            )}
          </p>
          <Scrolls label={`Versions of ${model.name}`}>
            <table aria-label={`Versions of ${model.name}`}>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Aliases</th>
                  <th scope="col">Registered</th>
                  <th scope="col">Source</th>
                </tr>
              </thead>
              <tbody>
                {model.versions.map((version) => (
                  <tr key={version.version}>
                    <td>
                      <Into href={version.link}>{version.version}</Into>
                    </td>
                    <td>{version.aliases.join(", ") || "—"}</td>
                    <td>{formatWhen(version.created_at)}</td>
                    <td className="muted">{version.source}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scrolls>
        </section>
      ))}
    </>
  );
}

function Suites({ suites }: { suites: Schemas["SuiteRuns"][] }) {
  if (suites.length === 0) return <p className="muted">No evaluation has run yet.</p>;
  return (
    <>
      {suites.map((suite) => (
        <section key={suite.suite} aria-label={`Suite ${suite.suite}`}>
          <h3>{suite.suite}</h3>
          <ul className="stack">
            {suite.runs.map((run) => (
              <li key={run.run_id}>
                <p>
                  <Into href={run.link}>{formatWhen(run.started_at)}</Into> on {run.target || "—"}
                  {run.model_version && ` (version ${run.model_version})`} —{" "}
                  {run.status.toLowerCase()}
                </p>
                <ul>
                  {run.metrics.map((metric) => (
                    <li key={metric.name}>
                      {metric.name}: {figure(metric.value)}
                      {metric.ci_low != null && metric.ci_high != null
                        ? ` [${figure(metric.ci_low)}, ${figure(metric.ci_high)}]`
                        : ""}
                      {metric.passed === true && " ✓ passes"}
                      {metric.passed === false && " ✗ below its threshold"}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}

function Promotions({ promotions }: { promotions: Schemas["PromotionOut"][] }) {
  if (promotions.length === 0) return <p className="muted">No promotion decision yet.</p>;
  return (
    <ul className="stack" aria-label="Promotion decisions">
      {promotions.map((promotion) => (
        <li key={promotion.run_id}>
          <p>
            <strong>
              {promotion.decision?.replace("_", " ") ?? promotion.status.toLowerCase()}
            </strong>
            : <Into href={promotion.link}>{promotion.title}</Into>{" "}
            <span className="muted">({formatWhen(promotion.decided_at)})</span>
          </p>
          {promotion.reason && <p>{promotion.reason}</p>}
        </li>
      ))}
    </ul>
  );
}

/** The ML engineers' view: registered models and champions, evaluation runs, decisions. */
export default function MlPage() {
  const loaded = useLoad(async () => ok(await api.GET("/api/v1/ml/overview")), []);
  const shown = loaded.data;
  return (
    <section>
      <h1>Models</h1>
      {loaded.loading && !shown && <p role="status">Reading the MLflow store…</p>}
      <Problem error={loaded.error} />
      {shown && (
        <>
          {shown.mlflow_ui && (
            <p>
              Everything else (charts, artefacts, per-question tables) is in{" "}
              <a href={shown.mlflow_ui} target="_blank" rel="noreferrer">
                the MLflow UI
              </a>
              .
            </p>
          )}
          <h2>Registered models</h2>
          <Models models={shown.models} />
          <h2>Latest evaluation runs</h2>
          <Suites suites={shown.suites} />
          <h2>Promotion decisions</h2>
          <Promotions promotions={shown.promotions} />
        </>
      )}
    </section>
  );
}
