import { useEffect, useRef } from "react";
import { Button } from "react-aria-components";
import { useParams } from "react-router";

import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { formatDuration, useSecondsLeft } from "../app/time";
import { useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";
import { AnswerField } from "./AnswerField";
import { Results } from "./Results";

/** The time left by the server's deadline; the page reloads the sitting when it runs out (the
 * server closes it and grades what was saved). */
function Countdown({
  sitting,
  onTimeUp,
}: {
  sitting: Schemas["SittingOut"];
  onTimeUp: () => void;
}) {
  const left = useSecondsLeft(sitting.deadline_at, sitting.server_time);
  useEffect(() => {
    if (left === 0) onTimeUp();
  }, [left === 0]);
  if (left === null) return null;
  return (
    <p role="timer" aria-live="off" className={left < 60 ? "timer urgent" : "timer"}>
      Time left: {formatDuration(left)}
    </p>
  );
}

/** A sitting of homework or an exam: answers saved as given, submit, then the results. */
export function SittingPage() {
  const { sittingId = "" } = useParams();
  const sitting = useLoad(
    async () =>
      ok(
        await api.GET("/api/v1/sittings/{sitting_id}", {
          params: { path: { sitting_id: sittingId } },
        }),
      ),
    [sittingId],
  );
  const saving = useRef(new Set<Promise<void>>());
  const track = (save: Promise<void>) => {
    saving.current.add(save);
    void save.finally(() => saving.current.delete(save));
  };
  const submit = useAction(async () => {
    await Promise.allSettled(saving.current); // an answer typed just before Submit is kept
    await ok(
      await api.POST("/api/v1/sittings/{sitting_id}/submit", {
        params: { path: { sitting_id: sittingId } },
      }),
    );
    sitting.reload();
  });
  const shown = sitting.data;
  const open = shown?.status === "in_progress";
  return (
    <section>
      {sitting.loading && !shown && <p role="status">Loading the questions…</p>}
      <Problem error={sitting.error} />
      {shown && (
        <>
          <h1>{shown.is_exam ? "Exam" : "Homework"}</h1>
          {open && <Countdown sitting={shown} onTimeUp={sitting.reload} />}
          {open && !shown.accepting_answers && (
            <p role="alert">
              This sitting takes no answers yet: a proctored exam needs its webcam stream first.
            </p>
          )}
          {open ? (
            <>
              <ol className="stack">
                {shown.items.map((item) => (
                  <AnswerField
                    key={item.item_id}
                    sittingId={shown.id}
                    item={item}
                    disabled={!shown.accepting_answers}
                    track={track}
                  />
                ))}
              </ol>
              <Problem error={submit.error} />
              <Button isDisabled={submit.busy} onPress={() => void submit.run()}>
                Submit
              </Button>
            </>
          ) : (
            <Results sitting={shown} />
          )}
        </>
      )}
    </section>
  );
}
