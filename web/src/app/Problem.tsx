import { ApiError } from "../api/client";

/** What went wrong, said plainly: the platform's message, the wait on a 429. */
export function Problem({ error }: { error: unknown }) {
  if (!error) return null;
  const known = error instanceof ApiError ? error : null;
  const wait = known?.retryAfterSeconds;
  return (
    <p role="alert" className="problem" data-code={known?.code ?? "network"}>
      {known ? known.message : "The platform could not be reached. Check your connection."}
      {wait ? ` Try again in ${wait} s.` : ""}
    </p>
  );
}
