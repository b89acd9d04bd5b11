import { Button } from "react-aria-components";
import { Link, useNavigate } from "react-router";

import { api, ok, type Schemas } from "../api/client";
import { proctoredExamPath, sittingPath } from "../app/paths";
import { Problem } from "../app/Problem";
import { formatWhen } from "../app/time";
import { useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";

type Sitting = Schemas["SittingSummary"];

/** A learner's homework and exams, each with what they can do next. */
export function WorkPage() {
  const navigate = useNavigate();
  const work = useLoad(async () => {
    const [assignments, sittings] = await Promise.all([
      api.GET("/api/v1/assignments").then(ok),
      api.GET("/api/v1/sittings").then(ok),
    ]);
    return { assignments, sittings };
  }, []);
  const start = useAction(async (assignmentId: string) => {
    const body = { assignment_id: assignmentId };
    navigate(sittingPath((await ok(await api.POST("/api/v1/sittings", { body }))).id));
  });
  const latest = (assignmentId: string): Sitting | undefined =>
    work.data?.sittings
      .filter((sitting) => sitting.assignment_id === assignmentId)
      .sort((a, b) => b.attempt - a.attempt)[0];

  return (
    <section>
      <h1>My work</h1>
      {work.loading && <p role="status">Loading your homework and exams…</p>}
      <Problem error={work.error} />
      <Problem error={start.error} />
      {work.data?.assignments.length === 0 && <p>Nothing is assigned to you.</p>}
      <ul className="cards">
        {work.data?.assignments.map((assignment) => {
          const sitting = latest(assignment.id);
          const due = assignment.kind === "exam" ? assignment.closes_at : assignment.due_at;
          return (
            <li key={assignment.id}>
              <h2>{assignment.title}</h2>
              <p className="muted">
                {assignment.kind === "exam" ? "Exam" : "Homework"}
                {assignment.requires_proctoring ? ", proctored" : ""} ·{" "}
                {assignment.item_count ?? "?"} questions
                {due
                  ? ` · ${assignment.kind === "exam" ? "closes" : "due"} ${formatWhen(due)}`
                  : ""}
              </p>
              {sitting && sitting.status !== "in_progress" ? (
                <Link to={sittingPath(sitting.id)}>Results of “{assignment.title}”</Link>
              ) : assignment.requires_proctoring ? (
                // The exam page takes the learner through consent and the camera first.
                <Link to={proctoredExamPath(assignment.id)}>
                  {sitting ? "Continue" : "Take"} the proctored exam “{assignment.title}”
                </Link>
              ) : sitting ? (
                <Link to={sittingPath(sitting.id)}>Continue “{assignment.title}”</Link>
              ) : (
                <Button isDisabled={start.busy} onPress={() => void start.run(assignment.id)}>
                  Start “{assignment.title}”
                </Button>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
