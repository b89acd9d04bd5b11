import { Button, Form, Input, Label, TextField } from "react-aria-components";

import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { submitted, useAction } from "../app/useAction";
import { RosterImport } from "./RosterImport";

type RosterProps = {
  classId: string;
  learners: Schemas["LearnerRef"][];
  onChange: () => void;
};

/** The class's learners: enrol one by e-mail or many from a CSV roster, remove one. */
export function Roster({ classId, learners, onChange }: RosterProps) {
  const enrol = useAction(async (form: FormData, element: HTMLFormElement) => {
    await ok(
      await api.POST("/api/v1/classes/{class_id}/students", {
        params: { path: { class_id: classId } },
        body: { student_email: String(form.get("email")) },
      }),
    );
    element.reset();
    onChange();
  });
  const remove = useAction(async (learnerId: string) => {
    await ok(
      await api.DELETE("/api/v1/classes/{class_id}/students/{student_id}", {
        params: { path: { class_id: classId, student_id: learnerId } },
      }),
    );
    onChange();
  });
  return (
    <section aria-labelledby="learners">
      <h2 id="learners">Learners</h2>
      {learners.length === 0 && <p className="muted">Nobody is enrolled yet.</p>}
      <ul>
        {learners.map((learner) => (
          <li key={learner.id}>
            {learner.display_name}{" "}
            <Button
              className="link-button"
              aria-label={`Remove ${learner.display_name}`}
              onPress={() => void remove.run(learner.id)}
            >
              remove
            </Button>
          </li>
        ))}
      </ul>
      <Problem error={remove.error} />
      <Form onSubmit={submitted(enrol.run)}>
        <TextField name="email" type="email" isRequired>
          <Label>Learner's e-mail</Label>
          <Input />
        </TextField>
        <Problem error={enrol.error} />
        <Button type="submit" isDisabled={enrol.busy}>
          Enrol
        </Button>
      </Form>
      <RosterImport classId={classId} onChange={onChange} />
    </section>
  );
}
