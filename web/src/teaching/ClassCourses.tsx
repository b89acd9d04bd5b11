import { Button, Form } from "react-aria-components";
import { Link } from "react-router";

import { api, ok } from "../api/client";
import { Choice } from "../app/Choice";
import { coursePath } from "../app/paths";
import { Problem } from "../app/Problem";
import { submitted, useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";
import { TutorModeChoice } from "./TutorModeChoice";

/** The catalogue's courses, fetched once per page that needs their titles. */
export function useCatalogue() {
  return useLoad(async () => ok(await api.GET("/api/v1/curricula/courses")), []);
}

type ClassCoursesProps = { classId: string; courseIds: string[]; onChange: () => void };

/** The courses a class follows, and another one assigned from the catalogue. */
export function ClassCourses({ classId, courseIds, onChange }: ClassCoursesProps) {
  const catalogue = useCatalogue();
  const courses = catalogue.data ?? [];
  const assign = useAction(async (form: FormData) => {
    await ok(
      await api.POST("/api/v1/classes/{class_id}/courses", {
        params: { path: { class_id: classId } },
        body: { course_id: String(form.get("course_id")) },
      }),
    );
    onChange();
  });
  const unassigned = courses.filter((course) => !courseIds.includes(course.id));
  return (
    <section aria-labelledby="courses">
      <h2 id="courses">Courses</h2>
      <Problem error={catalogue.error} />
      {courseIds.length === 0 && <p className="muted">No course assigned yet.</p>}
      <ul>
        {courses
          .filter((course) => courseIds.includes(course.id))
          .map((course) => (
            <li key={course.id}>
              <Link to={coursePath(course.id)}>{course.title}</Link>
              <TutorModeChoice courseId={course.id} title={course.title} />
            </li>
          ))}
      </ul>
      {unassigned.length > 0 && (
        <Form onSubmit={submitted(assign.run)}>
          <Choice
            name="course_id"
            label="Course to assign"
            isRequired
            options={unassigned.map((course) => [course.id, course.title] as const)}
          />
          <Problem error={assign.error} />
          <Button type="submit" isDisabled={assign.busy}>
            Assign the course
          </Button>
        </Form>
      )}
    </section>
  );
}
