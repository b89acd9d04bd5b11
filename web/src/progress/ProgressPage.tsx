import { api, ok } from "../api/client";
import { Problem } from "../app/Problem";
import { useLoad } from "../app/useLoad";
import { ProgressView } from "./ProgressView";

/** A learner's own progress. */
export function ProgressPage() {
  const loaded = useLoad(async () => {
    const [progress, mastery] = await Promise.all([
      api.GET("/api/v1/me/progress").then(ok),
      api.GET("/api/v1/me/mastery").then(ok),
    ]);
    return { progress, mastery };
  }, []);
  return (
    <section>
      <h1>My progress</h1>
      {loaded.loading && <p role="status">Loading your progress…</p>}
      <Problem error={loaded.error} />
      {loaded.data && <ProgressView {...loaded.data} headingLevel={2} />}
    </section>
  );
}
