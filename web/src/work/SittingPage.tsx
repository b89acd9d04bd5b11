import { useParams } from "react-router";

import { Sitting } from "./Sitting";

/** A sitting of homework or an unproctored exam, on a page of its own. */
export function SittingPage() {
  const { sittingId = "" } = useParams();
  return (
    <section>
      <Sitting sittingId={sittingId} headed />
    </section>
  );
}
