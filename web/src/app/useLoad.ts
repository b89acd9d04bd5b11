import { type DependencyList, useCallback, useEffect, useRef, useState } from "react";

export type Loaded<T> = { data: T | null; error: unknown; loading: boolean; reload: () => void };

/** The result of `load`, run again when `deps` change or `reload` is called; a stale answer is
 * dropped. A reload keeps the data shown until the new answer arrives. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState({
    data: null as T | null,
    error: null as unknown,
    loading: true,
  });
  const [round, setRound] = useState(0);
  const shownRound = useRef(round);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  useEffect(() => {
    let current = true;
    const reloading = round !== shownRound.current;
    shownRound.current = round;
    setState((previous) => ({
      data: reloading ? previous.data : null,
      error: null,
      loading: true,
    }));
    load().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) => current && setState({ data: null, error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  return { ...state, reload };
}
