import { useRef, useState } from "react";
import { Button, FieldError, Form, Input, Label, TextField } from "react-aria-components";
import { useNavigate, useSearchParams } from "react-router";

import { api, ok, type Schemas } from "../api/client";
import { Choice } from "../app/Choice";
import { Problem } from "../app/Problem";
import { submitted, useAction } from "../app/useAction";
import { ProviderButtons } from "./ProviderButtons";
import { nextPage } from "./SignInPage";
import { signIn } from "./tokens";

type Role = Schemas["RegisterRequest"]["role"];
const ROLES: [Role, string][] = [
  ["student", "a learner"],
  ["teacher", "a teacher"],
  ["parent", "a parent"],
];

function registration(form: FormData): Schemas["RegisterRequest"] {
  const role = String(form.get("role") ?? "student") as Role;
  const birthDate = String(form.get("birth_date") ?? "");
  const parentEmail = String(form.get("parent_email") ?? "");
  return {
    email: String(form.get("email")),
    password: String(form.get("password")),
    display_name: String(form.get("display_name")),
    role,
    birth_date: birthDate || null,
    parent_email: parentEmail || null,
  };
}

export function SignUpPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [role, setRole] = useState<Role>("student");
  const [waiting, setWaiting] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  // A provider's new account takes the role and, for a learner, the birth date typed here.
  const providerQuery = (): Record<string, string> => {
    const typed = form.current ? new FormData(form.current) : new FormData();
    const birthDate = String(typed.get("birth_date") ?? "");
    return { role, ...(role === "student" && birthDate ? { birth_date: birthDate } : {}) };
  };
  const register = useAction(async (form: FormData) => {
    const body = registration(form);
    const created = await ok(await api.POST("/api/v1/auth/register", { body }));
    if (created.activation_required) {
      setWaiting(true);
      return;
    }
    const login = { email: body.email, password: body.password };
    signIn(await ok(await api.POST("/api/v1/auth/login", { body: login })));
    navigate(nextPage(params), { replace: true });
  });

  if (waiting) {
    return (
      <section className="narrow" role="status">
        <h1>Almost there</h1>
        <p>
          Your account is waiting to be activated: a parent must consent for a learner under 13, or
          the e-mail we sent you must be confirmed. Sign in once that is done.
        </p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>Create an account</h1>
      <Form ref={form} onSubmit={submitted(register.run)}>
        <TextField name="display_name" isRequired maxLength={120} autoComplete="name">
          <Label>Your name</Label>
          <Input />
          <FieldError />
        </TextField>
        <TextField name="email" type="email" isRequired autoComplete="email">
          <Label>E-mail</Label>
          <Input />
          <FieldError />
        </TextField>
        <TextField
          name="password"
          type="password"
          isRequired
          minLength={10}
          maxLength={128}
          autoComplete="new-password"
        >
          <Label>Password (10 characters or more)</Label>
          <Input />
          <FieldError />
        </TextField>
        <Choice
          name="role"
          label="I am"
          options={ROLES}
          selectedKey={role}
          onSelectionChange={(key) => setRole(key as Role)}
        />
        {role === "student" && (
          <>
            <TextField name="birth_date" type="date" isRequired>
              <Label>Date of birth</Label>
              <Input />
              <FieldError />
            </TextField>
            <TextField name="parent_email" type="email">
              <Label>A parent's e-mail (under 13 only)</Label>
              <Input />
              <FieldError />
            </TextField>
          </>
        )}
        <Problem error={register.error} />
        <Button type="submit" isDisabled={register.busy}>
          Create the account
        </Button>
      </Form>
      <ProviderButtons next={nextPage(params)} verb="Sign up" query={providerQuery} />
    </section>
  );
}
