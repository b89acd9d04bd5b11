import { Link, useParams } from "react-router";

import { api, ok } from "../api/client";
import { coursePath } from "../app/paths";
import { Problem } from "../app/Problem";
import { useLoad } from "../app/useLoad";
import { TutorPanel } from "../tutor/TutorPanel";
import Markdown from "./Markdown";

/** A lesson (Markdown with maths) beside the tutor, which answers about its course. */
export default function LessonPage() {
  const { courseId = "", lessonId = "" } = useParams();
  const lesson = useLoad(
    async () =>
      ok(
        await api.GET("/api/v1/curricula/lessons/{lesson_id}", {
          params: { path: { lesson_id: lessonId } },
        }),
      ),
    [lessonId],
  );
  return (
    <div className="lesson-layout">
      <article aria-busy={lesson.loading}>
        <p>
          <Link to={coursePath(courseId)}>Back to the course</Link>
        </p>
        {lesson.loading && <p role="status">Loading the lesson…</p>}
        <Problem error={lesson.error} />
        {lesson.data && (
          <>
            <h1>{lesson.data.title}</h1>
            <Markdown>{lesson.data.body_markdown}</Markdown>
          </>
        )}
      </article>
      <TutorPanel courseId={courseId} />
    </div>
  );
}
