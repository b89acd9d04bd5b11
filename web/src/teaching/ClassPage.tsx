import { Link, useParams } from "react-router";

import { api, ok } from "../api/client";
import { classChatPath } from "../app/paths";
import { Problem } from "../app/Problem";
import { useLoad } from "../app/useLoad";
import { Assignments } from "./Assignments";
import { ClassCourses } from "./ClassCourses";
import { Dashboard } from "./Dashboard";
import { Roster } from "./Roster";

/** One class for its teacher: learners, courses, assignments and the dashboard. */
export function ClassPage() {
  const { classId = "" } = useParams();
  const path = { params: { path: { class_id: classId } } };
  const schoolClass = useLoad(
    async () => ok(await api.GET("/api/v1/classes/{class_id}", path)),
    [classId],
  );
  const dashboard = useLoad(
    async () => ok(await api.GET("/api/v1/classes/{class_id}/dashboard", path)),
    [classId],
  );
  const changed = () => {
    schoolClass.reload();
    dashboard.reload();
  };
  return (
    <section>
      {schoolClass.loading && !schoolClass.data && <p role="status">Loading the class…</p>}
      <Problem error={schoolClass.error} />
      {schoolClass.data && (
        <>
          <h1>{schoolClass.data.name}</h1>
          <p>
            <Link to={classChatPath(classId)}>Class chat</Link>: talk with the class, see who is
            online.
          </p>
          <div className="panels">
            <Roster
              classId={classId}
              learners={dashboard.data?.learners ?? []}
              onChange={changed}
            />
            <ClassCourses
              classId={classId}
              courseIds={schoolClass.data.course_ids ?? []}
              onChange={changed}
            />
          </div>
          <Assignments classId={classId} courseIds={schoolClass.data.course_ids ?? []} />
          <Problem error={dashboard.error} />
          {dashboard.data && <Dashboard dashboard={dashboard.data} onRefresh={dashboard.reload} />}
        </>
      )}
    </section>
  );
}
