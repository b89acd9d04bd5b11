import { Link, useSearchParams } from "react-router";

import { api, ok } from "../api/client";
import { Choice } from "../app/Choice";
import { contentJobPath, contentTopicPath } from "../app/paths";
import { Problem } from "../app/Problem";
import { formatWhen } from "../app/time";
import { useLoad } from "../app/useLoad";
import { useCatalogue } from "../teaching/ClassCourses";
import { ImportBook } from "./ImportBook";
import { JobForm } from "./JobForm";

/** A course's jobs, newest first, with their progress. */
function Jobs({ courseId }: { courseId: string }) {
  const jobs = useLoad(
    async () =>
      ok(await api.GET("/api/v1/content/jobs", { params: { query: { course_id: courseId } } })),
    [courseId],
  );
  return (
    <section aria-labelledby="jobs">
      <h2 id="jobs">Jobs</h2>
      <Problem error={jobs.error} />
      {jobs.data?.length === 0 && <p className="muted">No job yet.</p>}
      <ul>
        {jobs.data?.map((job) => (
          <li key={job.id}>
            <Link to={contentJobPath(job.id)}>
              {job.total} topics, {formatWhen(job.created_at)}
            </Link>{" "}
            — {job.status}, {Math.round(job.percent)} %
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Generated topics of a course waiting for a reviewer's decision. */
function ReviewQueue({ courseId }: { courseId: string }) {
  const queue = useLoad(
    async () =>
      ok(await api.GET("/api/v1/content/review", { params: { query: { course_id: courseId } } })),
    [courseId],
  );
  return (
    <section aria-labelledby="review-queue">
      <h2 id="review-queue">Waiting for review</h2>
      <Problem error={queue.error} />
      {queue.data?.length === 0 && <p className="muted">Nothing waits for review.</p>}
      <ul aria-label="Waiting for review">
        {queue.data?.map((topic) => (
          <li key={topic.id}>
            <Link to={contentTopicPath(topic.id)}>{topic.topic}</Link>{" "}
            <span className="muted">
              ({topic.first_pass_passed} of {topic.first_pass_checks} checks passed first time)
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The content team's desk: pick a course, generate, follow jobs, review; import a book. */
export default function ContentPage() {
  const [params, setParams] = useSearchParams();
  const courseId = params.get("course") ?? "";
  const catalogue = useCatalogue();
  return (
    <section>
      <h1>Content</h1>
      <div className="narrow">
        <Problem error={catalogue.error} />
        <Choice
          name="course"
          label="Course"
          options={(catalogue.data ?? []).map((course) => [course.id, course.title] as const)}
          selectedKey={courseId || undefined}
          onSelectionChange={(key) => setParams({ course: key })}
        />
      </div>
      {courseId ? (
        <div className="panels">
          <JobForm courseId={courseId} />
          <div>
            <ReviewQueue courseId={courseId} />
            <Jobs courseId={courseId} />
          </div>
        </div>
      ) : (
        <p className="muted">Choose a course to generate for, or import a book.</p>
      )}
      <ImportBook onImported={(id) => setParams({ course: id })} />
    </section>
  );
}
