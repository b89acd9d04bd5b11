import { useState } from "react";
import { Button, Form } from "react-aria-components";
import { useParams } from "react-router";

import { api, ok, type Schemas } from "../api/client";
import { Choice } from "../app/Choice";
import { Problem } from "../app/Problem";
import { submitted, useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";

type Kind = Schemas["TargetKind"];

const KINDS: readonly (readonly [Kind, string])[] = [
  ["course", "A course"],
  ["lesson", "A lesson"],
  ["tutor", "A course's tutor"],
  ["quiz", "A quiz (its grades go to the LMS)"],
];

async function candidates(launchId: string, kind: Kind, courseId?: string) {
  if (kind === "lesson" && !courseId) return [];
  return ok(
    await api.GET("/api/v1/lti/deep-linking/{launch_id}/candidates", {
      params: { path: { launch_id: launchId }, query: { kind, course_id: courseId || undefined } },
    }),
  );
}

/** Hands the signed answer to the LMS the way LTI says: a form post of `JWT` to its return URL
 * (the LMS then takes the browser back to its course). */
function postToLms(answer: Schemas["DeepLinkingAnswer"]) {
  const form = document.createElement("form");
  form.method = "post";
  form.action = answer.return_url;
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = "JWT";
  field.value = answer.jwt;
  form.append(field);
  document.body.append(form);
  form.submit();
}

/** Where the LMS sends an instructor who adds this tool to a course: they pick what the link
 * opens (a course, a lesson, a course's tutor or one of the class's quizzes). */
export default function DeepLinkingPage() {
  const { launchId = "" } = useParams();
  const [kind, setKind] = useState<Kind>("course");
  const [courseId, setCourseId] = useState("");
  const courses = useLoad(() => candidates(launchId, "course"), [launchId]);
  const listed = useLoad(() => candidates(launchId, kind, courseId), [launchId, kind, courseId]);
  const place = useAction(async (form: FormData) => {
    const id = String(form.get("item"));
    const answer = await ok(
      await api.POST("/api/v1/lti/deep-linking/{launch_id}", {
        params: { path: { launch_id: launchId } },
        body: { items: [{ kind, id }] },
      }),
    );
    postToLms(answer);
  });
  const options = (listed.data ?? []).map((item) => [item.id, item.title] as const);
  return (
    <article>
      <h1>Add to your LMS course</h1>
      <Problem error={courses.error ?? listed.error} />
      <Form onSubmit={submitted(place.run)}>
        <Choice
          name="kind"
          label="What the link opens"
          options={KINDS}
          selectedKey={kind}
          onSelectionChange={(key) => setKind(key as Kind)}
        />
        {kind === "lesson" && (
          <Choice
            name="course"
            label="Course of the lesson"
            options={(courses.data ?? []).map((course) => [course.id, course.title] as const)}
            selectedKey={courseId || undefined}
            onSelectionChange={setCourseId}
          />
        )}
        {!listed.loading && options.length === 0 ? (
          <p className="muted">Nothing of this kind to place yet.</p>
        ) : (
          <Choice
            key={`${kind}:${courseId}`}
            name="item"
            label="Which"
            isRequired
            options={options}
          />
        )}
        <Problem error={place.error} />
        <Button type="submit" isDisabled={place.busy || options.length === 0}>
          Place it in the LMS
        </Button>
      </Form>
    </article>
  );
}
