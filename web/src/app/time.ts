import { useEffect, useState } from "react";

const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A moment as a person reads it, in their own time zone; "—" when there is none. */
export function formatWhen(iso: string | null | undefined): string {
  return iso ? when.format(new Date(iso)) : "—";
}

/** A `datetime-local` field's value as the ISO instant the API takes (null when empty). */
export function instantOf(local: FormDataEntryValue | null): string | null {
  return local ? new Date(String(local)).toISOString() : null;
}

/** Seconds left until `deadline` by the server's clock (`serverTime` is the server's "now" when
 * the page loaded, so a wrong clock on this device does not move the deadline); null without a
 * deadline. Ticks every second. */
export function useSecondsLeft(deadline: string | null, serverTime: string): number | null {
  const [now, setNow] = useState(() => Date.now());
  const [offset] = useState(() => Date.parse(serverTime) - Date.now());
  useEffect(() => {
    if (!deadline) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [deadline]);
  if (!deadline) return null;
  return Math.max(0, Math.floor((Date.parse(deadline) - (now + offset)) / 1000));
}

/** Seconds as "1 h 02 min 05 s" / "4 min 09 s" / "12 s". */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (h) return `${h} h ${pad(m)} min ${pad(s)} s`;
  if (m) return `${m} min ${pad(s)} s`;
  return `${s} s`;
}
