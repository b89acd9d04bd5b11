import { Button } from "react-aria-components";

import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { formatWhen } from "../app/time";
import { useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";

type Notice = Schemas["NotificationOut"];
// What the tutor's safety screen sends a learner's teachers (and an under-age learner's parents).
const SAFETY_KIND = "tutor.flagged_turn";

function Notices({
  notices,
  label,
  onRead,
}: {
  notices: Notice[];
  label: string;
  onRead: () => void;
}) {
  const read = useAction(async (id: string) => {
    const path = { notification_id: id };
    await ok(await api.POST("/api/v1/notifications/{notification_id}/read", { params: { path } }));
    onRead();
  });
  if (notices.length === 0) return <p className="muted">Nothing here.</p>;
  return (
    <>
      <Problem error={read.error} />
      <ul className="stack" aria-label={label}>
        {notices.map((notice) => (
          <li key={notice.id} data-unread={notice.read_at ? undefined : "yes"}>
            <p>
              <strong>{notice.title}</strong>{" "}
              <span className="muted">
                ({formatWhen(notice.created_at)}
                {notice.read_at ? ", read" : ", unread"})
              </span>
            </p>
            {notice.body && <p className="notice-body">{notice.body}</p>}
            {!notice.read_at && (
              <Button
                className="link-button"
                aria-label={`Mark “${notice.title}” read`}
                onPress={() => void read.run(notice.id)}
              >
                Mark read
              </Button>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

/** Everything the platform told the person, newest first: safety alerts about learners first. */
export default function InboxPage() {
  const inbox = useLoad(
    async () => ok(await api.GET("/api/v1/notifications", { params: { query: { limit: 100 } } })),
    [],
  );
  const items = inbox.data?.items ?? [];
  const safety = items.filter((notice) => notice.kind === SAFETY_KIND);
  const rest = items.filter((notice) => notice.kind !== SAFETY_KIND);
  return (
    <section>
      <h1>Inbox</h1>
      {inbox.loading && !inbox.data && <p role="status">Loading your notifications…</p>}
      <Problem error={inbox.error} />
      {inbox.data && (
        <>
          {safety.length > 0 && (
            <>
              <h2>Safety alerts</h2>
              <p>
                The tutor's safety screen noticed these messages. Reach out to the learner; the
                conversation's details are with the alert.
              </p>
              <Notices notices={safety} label="Safety alerts" onRead={inbox.reload} />
            </>
          )}
          <h2>Notifications</h2>
          <Notices notices={rest} label="Notifications" onRead={inbox.reload} />
        </>
      )}
    </section>
  );
}
