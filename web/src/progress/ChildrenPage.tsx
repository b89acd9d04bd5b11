import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { useLoad } from "../app/useLoad";
import { ProgressView } from "./ProgressView";

/** One linked child's progress. */
function Child({ child }: { child: Schemas["UserOut"] }) {
  const path = { params: { path: { user_id: child.id } } };
  const loaded = useLoad(async () => {
    const [progress, mastery] = await Promise.all([
      api.GET("/api/v1/users/{user_id}/progress", path).then(ok),
      api.GET("/api/v1/users/{user_id}/mastery", path).then(ok),
    ]);
    return { progress, mastery };
  }, [child.id]);
  return (
    <section aria-labelledby={`child-${child.id}`}>
      <h2 id={`child-${child.id}`}>{child.display_name}</h2>
      <Problem error={loaded.error} />
      {loaded.data && <ProgressView {...loaded.data} headingLevel={3} />}
    </section>
  );
}

/** A parent's linked children and how each is doing. */
export function ChildrenPage() {
  const children = useLoad(async () => ok(await api.GET("/api/v1/users/me/children")), []);
  return (
    <section>
      <h1>Your children</h1>
      {children.loading && <p role="status">Loading…</p>}
      <Problem error={children.error} />
      {children.data?.length === 0 && (
        <p>
          No child is linked to you yet: a child's account is linked when you consent from the
          e-mail it sent you.
        </p>
      )}
      {children.data?.map((child) => (
        <Child key={child.id} child={child} />
      ))}
    </section>
  );
}
