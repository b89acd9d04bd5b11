import { useState } from "react";
import { Button, FieldError, Form, Input, Label, TextField } from "react-aria-components";
import { Link, useNavigate, useSearchParams } from "react-router";

import { api, ok } from "../api/client";
import { Problem } from "../app/Problem";
import { signIn } from "./tokens";

/** Where to go after signing in: the page that asked for it, never another site. */
export function nextPage(params: URLSearchParams): string {
  const next = params.get("next") ?? "/";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignInPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(form: FormData) {
    setBusy(true);
    setError(null);
    try {
      const body = { email: String(form.get("email")), password: String(form.get("password")) };
      signIn(await ok(await api.POST("/api/v1/auth/login", { body })));
      navigate(nextPage(params), { replace: true });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="narrow">
      <h1>Sign in</h1>
      <Form
        onSubmit={(event) => {
          event.preventDefault();
          void submit(new FormData(event.currentTarget));
        }}
      >
        <TextField name="email" type="email" isRequired autoComplete="email">
          <Label>E-mail</Label>
          <Input />
          <FieldError />
        </TextField>
        <TextField name="password" type="password" isRequired autoComplete="current-password">
          <Label>Password</Label>
          <Input />
          <FieldError />
        </TextField>
        <Problem error={error} />
        <Button type="submit" isDisabled={busy}>
          Sign in
        </Button>
      </Form>
      <p>
        New here? <Link to={`/sign-up?${params.toString()}`}>Create an account</Link>
      </p>
    </section>
  );
}
