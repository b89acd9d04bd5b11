import { type DependencyList, useEffect, useState } from "react";

export type Loaded<T> = { data: T | null; error: unknown; loading: boolean };

/** The result of `load`, run again when `deps` change; a stale answer is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: true });
  useEffect(() => {
    let current = true;
    setState({ data: null, error: null, loading: true });
    load().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) => current && setState({ data: null, error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, deps);
  return state;
}
