import { Button } from "react-aria-components";
import { Link, useParams } from "react-router";

import { api, download, ok, type Schemas } from "../api/client";
import { contentTopicPath } from "../app/paths";
import { Problem } from "../app/Problem";
import { Scrolls } from "../app/Scrolls";
import { formatDuration, formatWhen } from "../app/time";
import { useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";
import { usePolling } from "./usePolling";

const EXPORTS: ["qti" | "json" | "markdown", string, string][] = [
  ["qti", "QTI 2.1 (zip)", "zip"],
  ["json", "JSON items", "json"],
  ["markdown", "Markdown lessons", "md"],
];

function Topics({ topics }: { topics: Schemas["TopicOut"][] }) {
  return (
    <Scrolls label="Topics">
      <table aria-label="Topics">
        <thead>
          <tr>
            <th scope="col">Topic</th>
            <th scope="col">Status</th>
            <th scope="col">Checks passed first time</th>
            <th scope="col">Took</th>
          </tr>
        </thead>
        <tbody>
          {topics.map((topic) => (
            <tr key={topic.id}>
              <td>
                {topic.status === "needs_review" || topic.status === "done" ? (
                  <Link to={contentTopicPath(topic.id)}>{topic.topic}</Link>
                ) : (
                  topic.topic
                )}
                {topic.error && <p className="problem">{topic.error}</p>}
              </td>
              <td>
                {topic.status.replace("_", " ")}
                {topic.review_status !== "pending" && ` (${topic.review_status})`}
              </td>
              <td>
                {topic.first_pass_passed} of {topic.first_pass_checks}
              </td>
              <td>{topic.wall_seconds ? formatDuration(Math.round(topic.wall_seconds)) : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scrolls>
  );
}

/** A job as it runs: percent, time left, each topic's status; cancel; the output to download. */
export default function JobPage() {
  const { jobId = "" } = useParams();
  const path = { params: { path: { job_id: jobId } } };
  const loaded = useLoad(async () => {
    const [job, topics] = await Promise.all([
      api.GET("/api/v1/content/jobs/{job_id}", path).then(ok),
      api.GET("/api/v1/content/jobs/{job_id}/topics", path).then(ok),
    ]);
    return { job, topics };
  }, [jobId]);
  const job = loaded.data?.job;
  usePolling(loaded.reload, Boolean(job && !job.finished_at));
  const cancel = useAction(async () => {
    await ok(await api.POST("/api/v1/content/jobs/{job_id}/cancel", path));
    loaded.reload();
  });
  const save = useAction(async (format: string, extension: string) => {
    await download(
      `/api/v1/content/jobs/${jobId}/export?format=${format}`,
      `job-${jobId}.${extension}`,
    );
  });
  return (
    <section>
      <h1>Generation job</h1>
      <Problem error={loaded.error} />
      {job && loaded.data && (
        <>
          <p>
            Started {formatWhen(job.started_at ?? job.created_at)} with {job.model_name}.{" "}
            {job.finished_at ? `Finished ${formatWhen(job.finished_at)}.` : ""}
          </p>
          <p role="status" aria-live="polite">
            {job.status === "finished" ? "Finished" : job.status}: {Math.round(job.percent)} % of{" "}
            {job.total} topics
            {job.eta_seconds != null && !job.finished_at
              ? `, about ${formatDuration(Math.round(job.eta_seconds))} left`
              : ""}
            .
          </p>
          <progress value={job.percent} max={100} aria-label="Job progress" />
          {job.input_errors.length > 0 && (
            <ul className="problem" aria-label="Rows refused">
              {job.input_errors.map((row) => (
                <li key={row.row}>
                  Row {row.row}: {row.error}
                </li>
              ))}
            </ul>
          )}
          <Topics topics={loaded.data.topics} />
          {!job.finished_at && (
            <Button
              isDisabled={cancel.busy || job.status === "cancelling"}
              onPress={() => void cancel.run()}
            >
              Cancel the job
            </Button>
          )}
          <Problem error={cancel.error} />
          <h2>Download</h2>
          <div className="row">
            {EXPORTS.map(([format, label, extension]) => (
              <Button
                key={format}
                isDisabled={save.busy}
                onPress={() => void save.run(format, extension)}
              >
                {label}
              </Button>
            ))}
          </div>
          <Problem error={save.error} />
        </>
      )}
    </section>
  );
}
