import { Link, useParams } from "react-router";

import { api, ok } from "../api/client";
import { lessonPath } from "../app/paths";
import { Problem } from "../app/Problem";
import { useLoad } from "../app/useLoad";

export function useCourse(courseId: string) {
  return useLoad(
    async () =>
      ok(
        await api.GET("/api/v1/curricula/courses/{course_id}", {
          params: { path: { course_id: courseId } },
        }),
      ),
    [courseId],
  );
}

export function CoursePage() {
  const { courseId = "" } = useParams();
  const course = useCourse(courseId);
  return (
    <section>
      {course.loading && <p role="status">Loading the course…</p>}
      <Problem error={course.error} />
      {course.data && (
        <>
          <h1>{course.data.title}</h1>
          <p>{course.data.description}</p>
          {course.data.units
            .filter((unit) => unit.lessons.length > 0)
            .map((unit) => (
              <section key={unit.id} aria-labelledby={`unit-${unit.id}`}>
                <h2 id={`unit-${unit.id}`}>{unit.title}</h2>
                <ol>
                  {unit.lessons.map((lesson) => (
                    <li key={lesson.id}>
                      <Link to={lessonPath(courseId, lesson.id)}>{lesson.title}</Link>
                    </li>
                  ))}
                </ol>
              </section>
            ))}
        </>
      )}
    </section>
  );
}
