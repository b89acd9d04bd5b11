import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router";

import { pageAfterProvider } from "./ProviderButtons";
import { nextPage } from "./SignInPage";
import { signIn } from "./tokens";

/** Where a provider's sign-in ends: the platform put the tokens in the address's fragment
 * (browsers send it to no server); they are kept as the session and wiped from the address. */
export function ProviderCompletePage() {
  const navigate = useNavigate();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const answer = new URLSearchParams(window.location.hash.slice(1));
    window.history.replaceState(null, "", window.location.pathname);
    const access = answer.get("access_token");
    const refresh = answer.get("refresh_token");
    const expires = Number(answer.get("expires_in"));
    if (!access || !refresh || !expires) {
      setFailed(true);
      return;
    }
    signIn({ access_token: access, refresh_token: refresh, expires_in: expires });
    // An LTI launch names the page it opens (its course or lesson) beside the tokens.
    navigate(answer.has("next") ? nextPage(answer) : pageAfterProvider(), { replace: true });
  }, []);
  return failed ? (
    <p role="alert">
      The sign-in did not complete. <Link to="/sign-in">Try again</Link>
    </p>
  ) : (
    <p role="status">Signing you in…</p>
  );
}
