import { useState } from "react";
import { Button } from "react-aria-components";
import { Link, useSearchParams } from "react-router";

import { api, ok } from "../api/client";
import { Problem } from "../app/Problem";
import { useAction } from "../app/useAction";

type LinkConfirmProps = {
  title: string;
  explanation: string;
  button: string;
  /** Confirms with the mailed token; says what was done. */
  confirm: (token: string) => Promise<string>;
};

/** The page an e-mailed link opens: the person confirms by pressing a button (a mail scanner
 * that opens the link confirms nothing), the token sent to the API. */
function LinkConfirmPage({ title, explanation, button, confirm }: LinkConfirmProps) {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [done, setDone] = useState<string | null>(null);
  const press = useAction(async () => setDone(await confirm(token)));
  return (
    <section className="narrow">
      <h1>{title}</h1>
      {done ? (
        <p role="status">
          {done} <Link to="/sign-in">Sign in</Link>
        </p>
      ) : (
        <>
          <p>{explanation}</p>
          {!token && (
            <p role="alert">This link has no token: open the whole link from the e-mail.</p>
          )}
          <Problem error={press.error} />
          <Button isDisabled={!token || press.busy} onPress={() => void press.run()}>
            {button}
          </Button>
        </>
      )}
    </section>
  );
}

export function ParentalConsentPage() {
  return (
    <LinkConfirmPage
      title="Your child's account"
      explanation="Your child signed up for Water Classroom and named you as their parent. Their account stays inactive until you consent. Once it is active, sign in (or create a parent account with this e-mail address) to follow their progress."
      button="I consent: activate the account"
      confirm={async (token) => {
        const query = { token };
        const result = await ok(
          await api.GET("/api/v1/auth/parental-consent/confirm", { params: { query } }),
        );
        return `${result.child_display_name}'s account is active.`;
      }}
    />
  );
}

export function VerifyEmailPage() {
  return (
    <LinkConfirmPage
      title="Confirm your e-mail address"
      explanation="Confirming your address lets you reset your password and link a school sign-in later."
      button="Confirm my address"
      confirm={async (token) => {
        const query = { token };
        const result = await ok(
          await api.GET("/api/v1/auth/verify-email/confirm", { params: { query } }),
        );
        return `${result.email} is confirmed.`;
      }}
    />
  );
}
