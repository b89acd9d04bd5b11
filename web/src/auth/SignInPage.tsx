import { Button, FieldError, Form, Input, Label, TextField } from "react-aria-components";
import { Link, useNavigate, useSearchParams } from "react-router";

import { api, ok } from "../api/client";
import { Problem } from "../app/Problem";
import { submitted, useAction } from "../app/useAction";
import { ProviderButtons } from "./ProviderButtons";
import { signIn } from "./tokens";

/** Where to go after signing in: the page that asked for it, never another site. */
export function nextPage(params: URLSearchParams): string {
  const next = params.get("next") ?? "/";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignInPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const signInWith = useAction(async (form: FormData) => {
    const body = { email: String(form.get("email")), password: String(form.get("password")) };
    signIn(await ok(await api.POST("/api/v1/auth/login", { body })));
    navigate(nextPage(params), { replace: true });
  });

  return (
    <section className="narrow">
      <h1>Sign in</h1>
      <Form onSubmit={submitted(signInWith.run)}>
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
        <Problem error={signInWith.error} />
        <Button type="submit" isDisabled={signInWith.busy}>
          Sign in
        </Button>
      </Form>
      <ProviderButtons next={nextPage(params)} verb="Sign in" />
      <p>
        New here? <Link to={`/sign-up?${params.toString()}`}>Create an account</Link>
      </p>
    </section>
  );
}
