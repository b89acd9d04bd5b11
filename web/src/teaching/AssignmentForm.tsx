import { useState } from "react";
import { Button, Checkbox, Form, Input, Label, TextField } from "react-aria-components";

import { api, ok, type Schemas } from "../api/client";
import { Choice } from "../app/Choice";
import { Problem } from "../app/Problem";
import { instantOf } from "../app/time";
import { submitted, useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";

type Kind = Schemas["AssignmentKind"];
const KINDS: [Kind, string][] = [
  ["homework", "Homework"],
  ["exam", "Exam"],
];
const TIMINGS: [Schemas["FeedbackTiming"], string][] = [
  ["immediate", "as soon as each answer is graded"],
  ["after_grading", "once the whole sitting is graded"],
  ["after_due", "after the due time"],
];

/** The lessons of the class's courses, as "Course: Lesson" choices. */
function useLessons(courseIds: string[]) {
  return useLoad(async () => {
    const courses = await Promise.all(
      courseIds.map(async (id) =>
        ok(
          await api.GET("/api/v1/curricula/courses/{course_id}", {
            params: { path: { course_id: id } },
          }),
        ),
      ),
    );
    return courses.flatMap((course) =>
      course.units.flatMap((unit) =>
        unit.lessons.map((lesson) => [lesson.id, `${course.title}: ${lesson.title}`] as const),
      ),
    );
  }, [courseIds.join()]);
}

function assignment(classId: string, kind: Kind, form: FormData): Schemas["AssignmentCreate"] {
  const minutes = Number(form.get("duration_minutes"));
  return {
    class_id: classId,
    title: String(form.get("title")),
    kind,
    lesson_id: String(form.get("lesson_id")),
    feedback_timing: String(form.get("feedback_timing")) as Schemas["FeedbackTiming"],
    attempts_allowed: Number(form.get("attempts_allowed") || 1),
    ...(kind === "homework"
      ? { due_at: instantOf(form.get("due_at")), requires_proctoring: false }
      : {
          opens_at: instantOf(form.get("opens_at")),
          closes_at: instantOf(form.get("closes_at")),
          duration_seconds: minutes ? Math.round(minutes * 60) : null,
          requires_proctoring: form.get("requires_proctoring") === "on",
        }),
  };
}

type AssignmentFormProps = { classId: string; courseIds: string[]; onCreated: () => void };

/** A teacher sets homework (a due time) or an exam (a window and a duration, proctored or not)
 * on one lesson's items. */
export function AssignmentForm({ classId, courseIds, onCreated }: AssignmentFormProps) {
  const lessons = useLessons(courseIds);
  const [kind, setKind] = useState<Kind>("homework");
  const create = useAction(async (form: FormData, element: HTMLFormElement) => {
    await ok(await api.POST("/api/v1/assignments", { body: assignment(classId, kind, form) }));
    element.reset();
    onCreated();
  });
  return (
    <Form className="narrow" onSubmit={submitted(create.run)} aria-label="New homework or exam">
      <h3>New homework or exam</h3>
      <TextField name="title" isRequired maxLength={300}>
        <Label>Title</Label>
        <Input />
      </TextField>
      <Choice
        name="kind"
        label="Kind"
        options={KINDS}
        selectedKey={kind}
        onSelectionChange={(key) => setKind(key as Kind)}
      />
      <Problem error={lessons.error} />
      <Choice
        name="lesson_id"
        label="Questions from the lesson"
        isRequired
        options={lessons.data ?? []}
      />
      {kind === "homework" ? (
        <TextField name="due_at" type="datetime-local">
          <Label>Due</Label>
          <Input />
        </TextField>
      ) : (
        <>
          <TextField name="opens_at" type="datetime-local" isRequired>
            <Label>Opens</Label>
            <Input />
          </TextField>
          <TextField name="closes_at" type="datetime-local" isRequired>
            <Label>Closes</Label>
            <Input />
          </TextField>
          <TextField name="duration_minutes" type="number" isRequired>
            <Label>Time allowed (minutes)</Label>
            <Input min={1} max={10080} />
          </TextField>
          <Checkbox name="requires_proctoring">Proctored (webcam)</Checkbox>
        </>
      )}
      <TextField name="attempts_allowed" type="number" defaultValue="1" isRequired>
        <Label>Attempts allowed</Label>
        <Input min={1} max={20} />
      </TextField>
      <Choice
        name="feedback_timing"
        label="Grades shown"
        options={TIMINGS}
        defaultSelectedKey="immediate"
      />
      <Problem error={create.error} />
      <Button type="submit" isDisabled={create.busy}>
        Assign
      </Button>
    </Form>
  );
}
