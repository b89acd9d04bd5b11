import { type FormEvent, useState } from "react";

export type Action<A extends unknown[]> = {
  run: (...args: A) => Promise<void>;
  busy: boolean;
  error: unknown;
};

/** An action a person starts (a form sent, a button pressed): busy while it runs, its error kept
 * to show, so each page does not repeat the same try/finally. */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<void>): Action<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function run(...args: A): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await action(...args);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }
  return { run, busy, error };
}

/** A form's submit handler that runs `action` with the form's data instead of reloading. */
export function submitted(
  action: (form: FormData, element: HTMLFormElement) => Promise<void>,
): (event: FormEvent<HTMLFormElement>) => void {
  return (event) => {
    event.preventDefault();
    const element = event.currentTarget;
    void action(new FormData(element), element);
  };
}
