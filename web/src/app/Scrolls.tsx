/** A wide table that scrolls sideways on a narrow screen instead of widening the page: a named,
 * focusable region so keyboard users can scroll it too. */
export function Scrolls({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="scrolls" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
