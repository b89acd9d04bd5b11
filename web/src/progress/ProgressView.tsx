import type { Schemas } from "../api/client";
import { Scrolls } from "../app/Scrolls";
import { formatWhen } from "../app/time";

type ProgressViewProps = {
  progress: Schemas["LearnerProgress"];
  mastery: Schemas["ObjectiveMastery"][];
  headingLevel: 2 | 3;
};

const percent = (share: number): string => `${Math.round(share * 100)} %`;

/** A learner's progress as they, their parents and their teachers see it: streak, badges,
 * courses, recent grades and mastery per objective. */
export function ProgressView({ progress, mastery, headingLevel }: ProgressViewProps) {
  const Heading = `h${headingLevel}` as const;
  const { streak } = progress;
  return (
    <div className="progress">
      <div className="panels">
        <section>
          <Heading>Streak</Heading>
          <p>
            <strong>{streak.current_days}</strong> {streak.current_days === 1 ? "day" : "days"} in a
            row (longest {streak.longest_days}).
          </p>
        </section>
        <section>
          <Heading>Badges</Heading>
          {progress.badges.length === 0 ? (
            <p className="muted">No badge yet.</p>
          ) : (
            <ul aria-label="Badges">
              {progress.badges.map((badge) => (
                <li key={badge.id}>
                  {badge.title} <span className="muted">({formatWhen(badge.awarded_at)})</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <Heading>Courses</Heading>
      {progress.courses.length === 0 ? (
        <p className="muted">No course yet.</p>
      ) : (
        <ul aria-label="Courses">
          {progress.courses.map((course) => (
            <li key={course.course_id}>
              {course.title}: {course.lessons_completed} of {course.lessons_published} lessons{" "}
              <progress value={course.completion} max={1} aria-label={`${course.title} completed`}>
                {percent(course.completion)}
              </progress>
            </li>
          ))}
        </ul>
      )}
      <Heading>Recent grades</Heading>
      {progress.recent_grades.length === 0 ? (
        <p className="muted">No grade yet.</p>
      ) : (
        <ul aria-label="Recent grades">
          {progress.recent_grades.map((grade) => (
            <li key={grade.sitting_id}>
              {grade.assignment_title ?? "Practice"}: {grade.score}
              {grade.max_score != null && ` of ${grade.max_score}`}{" "}
              <span className="muted">({formatWhen(grade.graded_at)})</span>
            </li>
          ))}
        </ul>
      )}
      <Heading>Mastery</Heading>
      {mastery.length === 0 ? (
        <p className="muted">No question answered on an objective yet.</p>
      ) : (
        <Scrolls label="Mastery">
          <table aria-label="Mastery by objective">
            <thead>
              <tr>
                <th scope="col">Objective</th>
                <th scope="col">Lesson</th>
                <th scope="col">Chance it is known</th>
                <th scope="col">Right</th>
              </tr>
            </thead>
            <tbody>
              {mastery.map((objective) => (
                <tr key={objective.objective_id}>
                  <td>
                    {objective.objective}
                    {objective.mastered && <span className="tag">mastered</span>}
                  </td>
                  <td>{objective.lesson_title}</td>
                  <td>{percent(objective.p_known)}</td>
                  <td>
                    {objective.correct} of {objective.answers}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scrolls>
      )}
    </div>
  );
}
