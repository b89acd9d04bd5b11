import { useEffect, useRef, useState } from "react";
import { Button } from "react-aria-components";
import { useParams } from "react-router";

import { ApiError, api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";
import { Sitting } from "../work/Sitting";
import { openCamera, still } from "./camera";
import { type LinkState, ProctorLink, watchClientEvents } from "./proctorLink";

type Step = "consent" | "camera" | "connecting" | "exam";
type Session = Schemas["platform_api__proctor__schemas__SessionOut"];

const IDENTITY_WAIT_MS = 45_000;
const POLL_MS = 1000;
const pause = (ms: number) => new Promise((resolve) => window.setTimeout(resolve, ms));

/** The learner's open sitting of the exam, or a new one. */
async function openSitting(assignmentId: string): Promise<string> {
  const query = { assignment_id: assignmentId };
  const mine = await ok(await api.GET("/api/v1/sittings", { params: { query } }));
  const open = mine.find((sitting) => sitting.status === "in_progress");
  if (open) return open.id;
  return (await ok(await api.POST("/api/v1/sittings", { body: query }))).id;
}

/** The sitting's proctoring session: the one running, or a new one. A learner without an
 * enrolment photo (the platform says so when the session is asked for) is enrolled from the
 * camera's picture first: asking whether the photo exists would open it, and every view of a
 * biometric photo is recorded. */
async function openSession(sittingId: string, camera: HTMLVideoElement): Promise<Session> {
  const path = { sitting_id: sittingId };
  const current = await ok(
    await api.GET("/api/v1/proctor/sittings/{sitting_id}", { params: { path } }),
  );
  if (current.session && current.session.status !== "ended") return current.session;
  try {
    return await ok(await api.POST("/api/v1/proctor/sessions", { body: path }));
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "enrolment_required")) throw error;
    await enrol(camera);
    return ok(await api.POST("/api/v1/proctor/sessions", { body: path }));
  }
}

/** The session once the stream is live and the identity check has passed (or its wait ran out:
 * the reviewer sees the result either way). */
async function liveSession(sessionId: string): Promise<Session> {
  const path = { params: { path: { session_id: sessionId } } };
  const deadline = Date.now() + IDENTITY_WAIT_MS;
  for (;;) {
    const session = await ok(await api.GET("/api/v1/proctor/sessions/{session_id}", path));
    const live = session.status === "live";
    if (live && (session.identity_verified || Date.now() > deadline)) return session;
    await pause(POLL_MS);
  }
}

async function enrol(video: HTMLVideoElement): Promise<void> {
  const body = new FormData();
  body.set("file", await still(video), "enrolment.jpg");
  await ok(
    await api.PUT("/api/v1/me/enrolment-photo", {
      body: body as unknown as { file: string },
      bodySerializer: (data) => data as unknown as FormData,
    }),
  );
}

function Indicator({ state, identity }: { state: LinkState; identity: boolean }) {
  const words: Record<LinkState, string> = {
    connecting: "Connecting the camera to the proctor…",
    connected: "Proctoring on",
    reconnecting: "The camera's stream dropped: reconnecting…",
    closed: "Proctoring ended",
  };
  return (
    <p role="status" className={`proctoring ${state}`}>
      <span aria-hidden="true">●</span> {words[state]}
      {state === "connected" && (identity ? " · identity checked" : " · identity not confirmed")}
    </p>
  );
}

/** A proctored exam: consent, the camera checked, an enrolment photo if there is none, the
 * webcam streamed to the proctor, the identity check, then the questions with "proctoring on"
 * shown and the page's events reported. */
export default function ProctoredExamPage() {
  const { assignmentId = "" } = useParams();
  const assignment = useLoad(
    async () =>
      ok(
        await api.GET("/api/v1/assignments/{assignment_id}", {
          params: { path: { assignment_id: assignmentId } },
        }),
      ),
    [assignmentId],
  );
  const [step, setStep] = useState<Step>("consent");
  const [camera, setCamera] = useState<MediaStream | null>(null);
  const [seeing, setSeeing] = useState(false); // the preview shows the camera's frames
  const [sittingId, setSittingId] = useState<string | null>(null);
  const [linkState, setLinkState] = useState<LinkState>("connecting");
  const [identity, setIdentity] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  const link = useRef<ProctorLink | null>(null);

  useEffect(() => {
    if (video.current && camera) video.current.srcObject = camera;
  }, [camera, step]);
  useEffect(
    () => () => {
      link.current?.close();
      camera?.getTracks().forEach((track) => track.stop());
    },
    [camera],
  );
  useEffect(
    () => (step === "exam" ? watchClientEvents((type) => link.current?.send(type)) : undefined),
    [step],
  );

  const consent = useAction(async () => {
    const { response } = await api.POST("/api/v1/proctor/consents", {
      body: { assignment_id: assignmentId },
    });
    if (!response.ok && response.status !== 409) await ok({ response }); // 409: consented before
    setCamera(await openCamera());
    setStep("camera");
  });
  const start = useAction(async () => {
    if (!camera || !video.current) return;
    const sitting = await openSitting(assignmentId);
    const session = await openSession(sitting, video.current);
    setStep("connecting");
    link.current = new ProctorLink(session.id, camera, (state, error) => {
      setLinkState(state);
      if (error) console.warn("proctoring link", error);
    });
    await link.current.connect();
    setIdentity((await liveSession(session.id)).identity_verified);
    setSittingId(sitting);
    setStep("exam");
  });
  const title = assignment.data?.title ?? "Proctored exam";
  const ended = () => {
    link.current?.close();
    camera?.getTracks().forEach((track) => track.stop());
  };
  return (
    <section>
      <h1>{title}</h1>
      <Problem error={assignment.error} />
      {step === "consent" && (
        <div className="narrow">
          <h2>Before you start</h2>
          <p>
            This exam is proctored: your webcam streams to the proctor while you answer. It checks
            that you are the person of your enrolment photo, and notes moments when your face leaves
            the picture, another person or a phone appears, or you leave this tab. Only the notes
            and a few still pictures are kept, for your teacher's review; you may appeal their
            decision.
          </p>
          <Problem error={consent.error} />
          <Button isDisabled={consent.busy} onPress={() => void consent.run()}>
            I consent: check my camera
          </Button>
        </div>
      )}
      {step !== "consent" && step !== "exam" && (
        <div className="narrow">
          <h2>{step === "camera" ? "Camera check" : "Connecting to the proctor"}</h2>
          <video
            ref={video}
            autoPlay
            muted
            playsInline
            className="preview-video"
            aria-label="Your camera"
            onPlaying={(event) => setSeeing(event.currentTarget.videoWidth > 0)}
          />
          {step === "camera" && (
            <>
              <p role="status">
                {seeing ? "✓ The camera works." : "Waiting for the camera's picture…"}
              </p>
              <p>
                Check that your face is in the picture, alone and well lit: without an enrolment
                photo yet, this picture becomes it.
              </p>
              <Problem error={start.error} />
              <Button isDisabled={!seeing || start.busy} onPress={() => void start.run()}>
                Start the exam
              </Button>
            </>
          )}
          {step === "connecting" && (
            <>
              <p role="status">Streaming to the proctor and checking that it is you…</p>
              <Problem error={start.error} />
            </>
          )}
        </div>
      )}
      {step === "exam" && sittingId && (
        <>
          <Indicator state={linkState} identity={identity} />
          <Sitting sittingId={sittingId} onEnded={ended} />
        </>
      )}
    </section>
  );
}
