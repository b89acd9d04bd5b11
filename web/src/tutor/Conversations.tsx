import { Button } from "react-aria-components";

import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { formatWhen } from "../app/time";
import { useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";

type ConversationsProps = {
  courseId: string;
  current: string | null;
  onOpen: (detail: Schemas["SessionDetail"]) => void;
  onDeleted: (sessionId: string) => void;
};

/** The learner's earlier conversations about this course: open one to go on, or delete it (with
 * everything the tutor remembers of it). */
export function Conversations({ courseId, current, onOpen, onDeleted }: ConversationsProps) {
  const listed = useLoad(
    async () => ok(await api.GET("/api/v1/tutor/sessions", { params: { query: { limit: 50 } } })),
    [courseId, current],
  );
  const open = useAction(async (sessionId: string) => {
    const path = { session_id: sessionId };
    onOpen(await ok(await api.GET("/api/v1/tutor/sessions/{session_id}", { params: { path } })));
  });
  const remove = useAction(async (sessionId: string) => {
    const path = { session_id: sessionId };
    await ok(
      await api.DELETE("/api/v1/tutor/sessions/{session_id}", {
        params: { path },
      }),
    );
    onDeleted(sessionId);
    listed.reload();
  });
  const mine = (listed.data?.items ?? []).filter((session) => session.course_id === courseId);
  return (
    <details className="conversations">
      <summary>Earlier conversations ({mine.length})</summary>
      <Problem error={listed.error ?? open.error ?? remove.error} />
      <ul aria-label="Earlier conversations">
        {mine.map((session) => (
          <li key={session.id}>
            {session.title || "Untitled"}{" "}
            <span className="muted">({formatWhen(session.updated_at)})</span>{" "}
            {session.id !== current && (
              <Button className="link-button" onPress={() => void open.run(session.id)}>
                Open
              </Button>
            )}{" "}
            <Button
              className="link-button"
              aria-label={`Delete “${session.title || "Untitled"}”`}
              onPress={() => void remove.run(session.id)}
            >
              Delete
            </Button>
          </li>
        ))}
      </ul>
    </details>
  );
}
