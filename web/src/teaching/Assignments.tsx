import { api, ok } from "../api/client";
import { Problem } from "../app/Problem";
import { Scrolls } from "../app/Scrolls";
import { formatWhen } from "../app/time";
import { useLoad } from "../app/useLoad";
import { AssignmentForm } from "./AssignmentForm";

type AssignmentsProps = { classId: string; courseIds: string[] };

/** The class's homework and exams, and a new one. */
export function Assignments({ classId, courseIds }: AssignmentsProps) {
  const assignments = useLoad(
    async () =>
      ok(await api.GET("/api/v1/assignments", { params: { query: { class_id: classId } } })),
    [classId],
  );
  return (
    <section aria-labelledby="assignments">
      <h2 id="assignments">Homework and exams</h2>
      <Problem error={assignments.error} />
      {assignments.data?.length === 0 && <p className="muted">Nothing assigned yet.</p>}
      {assignments.data && assignments.data.length > 0 && (
        <Scrolls label="Homework and exams">
          <table>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Kind</th>
                <th scope="col">Questions</th>
                <th scope="col">Due or closes</th>
              </tr>
            </thead>
            <tbody>
              {assignments.data.map((assignment) => (
                <tr key={assignment.id}>
                  <td>{assignment.title}</td>
                  <td>
                    {assignment.kind}
                    {assignment.requires_proctoring ? " (proctored)" : ""}
                  </td>
                  <td>{assignment.item_count ?? "—"}</td>
                  <td>{formatWhen(assignment.due_at ?? assignment.closes_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scrolls>
      )}
      {courseIds.length > 0 ? (
        <AssignmentForm classId={classId} courseIds={courseIds} onCreated={assignments.reload} />
      ) : (
        <p className="muted">Assign a course first: homework and exams take its lessons' items.</p>
      )}
    </section>
  );
}
