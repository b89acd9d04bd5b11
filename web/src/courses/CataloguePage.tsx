import { Link } from "react-router";

import { api, ok } from "../api/client";
import { coursePath } from "../app/paths";
import { Problem } from "../app/Problem";
import { useLoad } from "../app/useLoad";

export function CataloguePage() {
  const courses = useLoad(
    async () =>
      ok(await api.GET("/api/v1/curricula/courses", { params: { query: { limit: 100 } } })),
    [],
  );
  return (
    <section>
      <h1>Courses</h1>
      {courses.loading && <p role="status">Loading the courses…</p>}
      <Problem error={courses.error} />
      {courses.data?.length === 0 && <p>No course has a published lesson yet.</p>}
      <ul className="cards">
        {courses.data?.map((course) => (
          <li key={course.id}>
            <Link to={coursePath(course.id)}>{course.title}</Link>
            <p>{course.description}</p>
            <p className="muted">
              {course.lessons} {course.lessons === 1 ? "lesson" : "lessons"}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
