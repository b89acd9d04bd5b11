import { Button } from "react-aria-components";

import { api, ok } from "../api/client";
import { useLoad } from "../app/useLoad";

const NEXT_KEY = "wc.oidc.next";

/** "google" → "Google". */
const named = (provider: string): string => provider.charAt(0).toUpperCase() + provider.slice(1);

/** Where to go once a provider's sign-in completes (kept across the round trip). */
export function pageAfterProvider(): string {
  const next = sessionStorage.getItem(NEXT_KEY) ?? "/";
  sessionStorage.removeItem(NEXT_KEY);
  return next;
}

type ProviderButtonsProps = {
  next: string;
  verb: "Sign in" | "Sign up";
  /** More of the authorize query: a new account's role and birth date. */
  query?: () => Record<string, string>;
};

/** A button per configured OpenID Connect provider; none when none is configured. */
export function ProviderButtons({ next, verb, query }: ProviderButtonsProps) {
  const providers = useLoad(async () => ok(await api.GET("/api/v1/auth/oidc/providers")), []);
  if (!providers.data?.length) return null;
  const go = (provider: string) => {
    sessionStorage.setItem(NEXT_KEY, next);
    const params = new URLSearchParams({ client: "web", ...(query?.() ?? {}) });
    window.location.assign(`/api/v1/auth/oidc/${encodeURIComponent(provider)}/authorize?${params}`);
  };
  return (
    <div className="providers" role="group" aria-label="Other ways in">
      {providers.data.map((provider) => (
        <Button key={provider} className="react-aria-Button secondary" onPress={() => go(provider)}>
          {verb} with {named(provider)}
        </Button>
      ))}
    </div>
  );
}
