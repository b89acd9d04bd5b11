import { useState } from "react";
import { Button } from "react-aria-components";

import { api, ok } from "../api/client";
import { Problem } from "../app/Problem";
import { useAction } from "../app/useAction";

/** Thumbs up or down on one answer (it feeds the ML engineers' datasets and evaluations). */
export function Feedback({ sessionId, turnId }: { sessionId: string; turnId: string }) {
  const [sent, setSent] = useState(false);
  const rate = useAction(async (rating: "up" | "down") => {
    const path = { session_id: sessionId, turn_id: turnId };
    await ok(
      await api.POST("/api/v1/tutor/sessions/{session_id}/turns/{turn_id}/feedback", {
        params: { path },
        body: { rating, comment: "" },
      }),
    );
    setSent(true);
  });
  if (sent) return <p className="muted">Thanks for the feedback.</p>;
  return (
    <div className="row feedback">
      <Button className="link-button" isDisabled={rate.busy} onPress={() => void rate.run("up")}>
        <span aria-hidden="true">👍 </span>Helpful
      </Button>
      <Button className="link-button" isDisabled={rate.busy} onPress={() => void rate.run("down")}>
        <span aria-hidden="true">👎 </span>Not helpful
      </Button>
      <Problem error={rate.error} />
    </div>
  );
}
