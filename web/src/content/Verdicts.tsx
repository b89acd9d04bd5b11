/** A check's verdict as the content graph records it (agents/content/checks.py, Verdict). */
type Verdict = { check?: string; passed?: boolean; reason?: string; passage?: string | null };

/** Every check's verdict on a lesson or an item: passed or failed, and why. */
export function Verdicts({
  verdicts,
  label,
}: {
  verdicts: Record<string, unknown>[];
  label: string;
}) {
  if (verdicts.length === 0) return <p className="muted">No check ran.</p>;
  return (
    <ul className="verdicts" aria-label={label}>
      {(verdicts as Verdict[]).map((verdict, index) => (
        <li key={`${verdict.check}-${index}`} data-passed={verdict.passed ? "yes" : "no"}>
          <strong>
            {verdict.passed ? "✓ passed" : "✗ failed"}: {verdict.check}
          </strong>{" "}
          {verdict.reason}
          {verdict.passage && <blockquote>{verdict.passage}</blockquote>}
        </li>
      ))}
    </ul>
  );
}
