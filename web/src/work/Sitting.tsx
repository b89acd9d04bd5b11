import { useEffect, useRef } from "react";
import { Button } from "react-aria-components";

import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { formatDuration, useSecondsLeft } from "../app/time";
import { useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";
import { AnswerField } from "./AnswerField";
import { ProctoringOutcome } from "./ProctoringOutcome";
import { Results } from "./Results";

/** The time left by the server's deadline; the sitting reloads when it runs out (the server
 * closes it and grades what was saved). */
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

type SittingProps = {
  sittingId: string;
  /** Told when the sitting ends (submitted, or closed by its deadline). */
  onEnded?: () => void;
  /** Headed "Homework" or "Exam" (a page of its own). */
  headed?: boolean;
};

/** A sitting: its questions with answers saved as given, the countdown, submit; then the
 * results. */
export function Sitting({ sittingId, onEnded, headed = false }: SittingProps) {
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
  useEffect(() => {
    if (shown && !open) onEnded?.();
  }, [shown && !open]);
  return (
    <>
      {sitting.loading && !shown && <p role="status">Loading the questions…</p>}
      <Problem error={sitting.error} />
      {shown && headed && <h1>{shown.is_exam ? "Exam" : "Homework"}</h1>}
      {shown && open && (
        <>
          <Countdown sitting={shown} onTimeUp={sitting.reload} />
          {!shown.accepting_answers && (
            <p role="alert">
              This sitting takes no answers yet: a proctored exam needs its webcam stream first.
            </p>
          )}
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
      )}
      {shown && !open && <Results sitting={shown} />}
      {shown && !open && shown.is_exam && <ProctoringOutcome sittingId={shown.id} />}
    </>
  );
}
