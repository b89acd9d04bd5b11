/** The webcam's WebRTC link to the proctor: the offer goes through the platform, which answers
 * with the proctor's SDP; a data channel carries the page's client events. A dropped link is
 * offered again (the platform takes a new offer for the same session). */
import { api, ok } from "../api/client";

export type LinkState = "connecting" | "connected" | "reconnecting" | "closed";
export type ClientEventType =
  | "tab_hidden"
  | "tab_visible"
  | "window_blur"
  | "window_focus"
  | "fullscreen_exit"
  | "fullscreen_enter"
  | "copy"
  | "paste";

const GATHERING_TIMEOUT_MS = 5000;
const RECONNECT_AFTER_MS = 3000;

/** Resolves once the connection has gathered its candidates (no trickle: one offer says all). */
function gathered(connection: RTCPeerConnection): Promise<void> {
  if (connection.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (connection.iceGatheringState !== "complete") return;
      connection.removeEventListener("icegatheringstatechange", done);
      resolve();
    };
    connection.addEventListener("icegatheringstatechange", done);
    window.setTimeout(resolve, GATHERING_TIMEOUT_MS); // send what there is
  });
}

export class ProctorLink {
  private connection: RTCPeerConnection | null = null;
  private channel: RTCDataChannel | null = null;
  private dropped: number | null = null;
  private closed = false;

  constructor(
    private readonly sessionId: string,
    private readonly camera: MediaStream,
    private readonly onState: (state: LinkState, error?: unknown) => void,
  ) {}

  /** Offers the camera to the proctor and applies its answer. */
  async connect(state: LinkState = "connecting"): Promise<void> {
    this.onState(state);
    this.connection?.close();
    const connection = new RTCPeerConnection({ iceServers: [] }); // loopback or LAN: no STUN
    this.connection = connection;
    this.camera.getVideoTracks().forEach((track) => connection.addTrack(track, this.camera));
    this.channel = connection.createDataChannel("events");
    connection.addEventListener("connectionstatechange", () => this.watch(connection));
    await connection.setLocalDescription(await connection.createOffer());
    await gathered(connection);
    const offer = connection.localDescription!;
    const answer = await ok(
      await api.POST("/api/v1/proctor/sessions/{session_id}/offer", {
        params: { path: { session_id: this.sessionId } },
        body: { sdp: offer.sdp, type: "offer" },
      }),
    );
    await connection.setRemoteDescription({ sdp: answer.sdp, type: answer.type as RTCSdpType });
  }

  private watch(connection: RTCPeerConnection): void {
    if (this.closed || connection !== this.connection) return;
    const state = connection.connectionState;
    if (state === "connected") {
      if (this.dropped !== null) window.clearTimeout(this.dropped);
      this.dropped = null;
      this.onState("connected");
    } else if ((state === "disconnected" || state === "failed") && this.dropped === null) {
      // A blip often heals by itself: offer again only if it has not within a few seconds.
      this.onState("reconnecting");
      this.dropped = window.setTimeout(() => {
        this.dropped = null;
        this.connect("reconnecting").catch((error: unknown) => this.onState("reconnecting", error));
      }, RECONNECT_AFTER_MS);
    }
  }

  /** Sends a client event to the proctor when the channel is open (the proctor times it). */
  send(type: ClientEventType): void {
    if (this.channel?.readyState === "open") this.channel.send(JSON.stringify({ type }));
  }

  close(): void {
    this.closed = true;
    if (this.dropped !== null) window.clearTimeout(this.dropped);
    this.connection?.close();
    this.onState("closed");
  }
}

/** Reports what the page sees (tab hidden, focus lost, fullscreen left, copy and paste) until
 * the returned function is called. */
export function watchClientEvents(send: (type: ClientEventType) => void): () => void {
  const listeners: [EventTarget, string, () => void][] = [
    [document, "visibilitychange", () => send(document.hidden ? "tab_hidden" : "tab_visible")],
    [window, "blur", () => send("window_blur")],
    [window, "focus", () => send("window_focus")],
    [
      document,
      "fullscreenchange",
      () => send(document.fullscreenElement ? "fullscreen_enter" : "fullscreen_exit"),
    ],
    [document, "copy", () => send("copy")],
    [document, "paste", () => send("paste")],
  ];
  listeners.forEach(([target, name, listener]) => target.addEventListener(name, listener));
  return () =>
    listeners.forEach(([target, name, listener]) => target.removeEventListener(name, listener));
}
