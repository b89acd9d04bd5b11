import { ApiError } from "../api/client";

/** What an error says to a person: the platform's message, the wait on a 429, a lost connection
 * (fetch rejects with a TypeError), or the client's own message. */
function explain(error: unknown): { code: string; text: string } {
  if (error instanceof ApiError) {
    const wait = error.retryAfterSeconds ? ` Try again in ${error.retryAfterSeconds} s.` : "";
    return { code: error.code, text: error.message + wait };
  }
  if (error instanceof Error && !(error instanceof TypeError)) {
    return { code: "client", text: error.message };
  }
  return { code: "network", text: "The platform could not be reached. Check your connection." };
}

/** What went wrong, said plainly, as an alert. */
export function Problem({ error }: { error: unknown }) {
  if (!error) return null;
  const { code, text } = explain(error);
  return (
    <p role="alert" className="problem" data-code={code}>
      {text}
    </p>
  );
}
