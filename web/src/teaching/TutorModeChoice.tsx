import { api, ok, type Schemas } from "../api/client";
import { Choice } from "../app/Choice";
import { Problem } from "../app/Problem";
import { useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";

type Mode = Schemas["TutorMode"];
const MODES: [Mode, string][] = [
  ["socratic", "guides with questions (Socratic)"],
  ["explain", "explains, citing the lessons"],
];

/** How the tutor teaches one course, set by its teacher. */
export function TutorModeChoice({ courseId, title }: { courseId: string; title: string }) {
  const path = { params: { path: { course_id: courseId } } };
  const policy = useLoad(
    async () => ok(await api.GET("/api/v1/courses/{course_id}/tutor-policy", path)),
    [courseId],
  );
  const set = useAction(async (mode: Mode) => {
    await ok(
      await api.PUT("/api/v1/courses/{course_id}/tutor-policy", { ...path, body: { mode } }),
    );
    policy.reload();
  });
  return (
    <div className="narrow">
      {policy.data && (
        <Choice
          name={`tutor-${courseId}`}
          label={`The tutor of ${title}`}
          options={MODES}
          selectedKey={policy.data.mode}
          onSelectionChange={(key) => void set.run(key as Mode)}
        />
      )}
      <Problem error={policy.error ?? set.error} />
    </div>
  );
}
