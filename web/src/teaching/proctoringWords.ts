/** Proctoring's words as a reviewer reads them. */

/** An event's kind as a person reads it: "face_absent" → "Face absent". */
export function kindName(kind: string): string {
  const words = kind.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Counts by severity, worst first, as a short phrase. */
export function severities(counts: Record<string, number>): string {
  const order = ["high", "medium", "low"];
  const phrase = Object.entries(counts)
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([severity, count]) => `${count} ${severity}`)
    .join(", ");
  return phrase || "no events";
}
