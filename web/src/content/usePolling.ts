import { useEffect } from "react";

/** Calls `reload` every `intervalMs` while `active` (a job running, a sitting graded). */
export function usePolling(reload: () => void, active: boolean, intervalMs = 2000): void {
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(reload, intervalMs);
    return () => window.clearInterval(timer);
  }, [reload, active, intervalMs]);
}
