import { Button, Form, Input, Label, TextField } from "react-aria-components";
import { Link, useNavigate } from "react-router";

import { api, ok } from "../api/client";
import { classPath } from "../app/paths";
import { Problem } from "../app/Problem";
import { submitted, useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";

/** A teacher's classes, and a new one. */
export function ClassesPage() {
  const navigate = useNavigate();
  const classes = useLoad(async () => ok(await api.GET("/api/v1/classes")), []);
  const create = useAction(async (form: FormData) => {
    const body = { name: String(form.get("name")) };
    const created = await ok(await api.POST("/api/v1/classes", { body }));
    navigate(classPath(created.id));
  });
  return (
    <section>
      <h1>Your classes</h1>
      {classes.loading && <p role="status">Loading your classes…</p>}
      <Problem error={classes.error} />
      {classes.data?.length === 0 && <p className="muted">No classes yet.</p>}
      <ul className="cards">
        {classes.data?.map((schoolClass) => (
          <li key={schoolClass.id}>
            <Link to={classPath(schoolClass.id)}>{schoolClass.name}</Link>
            <p className="muted">
              {schoolClass.student_ids?.length ?? 0} learners ·{" "}
              {schoolClass.course_ids?.length ?? 0} courses
            </p>
          </li>
        ))}
      </ul>
      <h2>New class</h2>
      <Form className="narrow" onSubmit={submitted(create.run)}>
        <TextField name="name" isRequired maxLength={200}>
          <Label>Class name</Label>
          <Input />
        </TextField>
        <Problem error={create.error} />
        <Button type="submit" isDisabled={create.busy}>
          Create the class
        </Button>
      </Form>
    </section>
  );
}
