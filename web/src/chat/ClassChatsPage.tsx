import { Link } from "react-router";

import { api, ok } from "../api/client";
import { Problem } from "../app/Problem";
import { classChatPath } from "../app/paths";
import { useLoad } from "../app/useLoad";

/** The classes whose chat the person takes part in. */
export default function ClassChatsPage() {
  const classes = useLoad(async () => ok(await api.GET("/api/v1/classes")), []);
  return (
    <section>
      <h1>Class chat</h1>
      {classes.loading && !classes.data && <p role="status">Loading your classes…</p>}
      <Problem error={classes.error} />
      {classes.data?.length === 0 && <p className="muted">You are in no class yet.</p>}
      <ul>
        {classes.data?.map((schoolClass) => (
          <li key={schoolClass.id}>
            <Link to={classChatPath(schoolClass.id)}>{schoolClass.name}</Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
