/** One class channel over the platform's WebSocket hub (`/api/v1/ws`): signs in with the
 * session's token, follows the channel, beats to stay online, posts messages, and reconnects
 * resuming from the last event id it saw (docs/integrations.md has the protocol). */
import { ApiError, type Schemas } from "../api/client";
import { accessToken } from "../auth/tokens";

export type ChatMessage = Omit<Schemas["ChatMessageOut"], "event_id">;
export type Member = { user_id: string; display_name: string };
export type HubStatus = "connecting" | "live" | "offline";

export type ChannelEvents = {
  /** Who is online, in full: on every (re)subscription. */
  online: (members: Member[]) => void;
  presence: (member: Member, online: boolean) => void;
  message: (message: ChatMessage) => void;
  status: (status: HubStatus) => void;
  /** Frames were missed beyond what the hub keeps: read the history again. */
  gap: () => void;
};

type Frame = { type: string; [field: string]: unknown };
type Pending = { resolve: (message: ChatMessage) => void; reject: (error: Error) => void };

const MAX_RETRY_MS = 30_000;

export class ClassChannel {
  private socket: WebSocket | null = null;
  private token: string | null = null;
  private lastEventId: string | null = null;
  private beating: number | undefined;
  private retryMs = 1000;
  private closed = false;
  private requests = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly channel: string;

  constructor(
    private readonly classId: string,
    private readonly on: ChannelEvents,
  ) {
    this.channel = `class:${classId}`;
  }

  open(): void {
    this.closed = false;
    this.connect();
  }

  close(): void {
    this.closed = true;
    window.clearInterval(this.beating);
    this.socket?.close(1000, "page left");
  }

  /** Post a message: resolved when the hub stored it, rejected with the hub's error. */
  send(text: string): Promise<ChatMessage> {
    const requestId = String(++this.requests);
    return new Promise((resolve, reject) => {
      if (this.socket?.readyState !== WebSocket.OPEN) {
        reject(new Error("Not connected: the message was not sent. Try again in a moment."));
        return;
      }
      this.pending.set(requestId, { resolve, reject });
      this.write({ type: "chat.send", request_id: requestId, class_id: this.classId, text });
    });
  }

  private connect(): void {
    this.on.status("connecting");
    const url = new URL("/api/v1/ws", window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => void this.signIn();
    socket.onmessage = (event) => this.receive(JSON.parse(String(event.data)) as Frame);
    socket.onclose = () => this.lost(socket);
  }

  private async signIn(): Promise<void> {
    this.token = await accessToken();
    this.write({ type: "auth", token: this.token });
  }

  private receive(frame: Frame): void {
    if (frame.channel === this.channel && typeof frame.event_id === "string") {
      this.lastEventId = frame.event_id;
    }
    switch (frame.type) {
      case "ready":
        this.subscribe();
        break;
      case "subscribed":
        this.subscribed(frame);
        break;
      case "presence":
        this.on.presence(
          { user_id: String(frame.user_id), display_name: String(frame.display_name ?? "") },
          frame.online === true,
        );
        break;
      case "chat.message":
        this.on.message(frame.message as ChatMessage);
        break;
      case "chat.sent":
        this.settle(frame, (request) => request.resolve(frame.message as ChatMessage));
        break;
      case "error":
        this.settle(frame, (request) =>
          request.reject(new ApiError(422, String(frame.code), String(frame.message))),
        );
        break;
    }
  }

  private subscribe(): void {
    const resume = this.lastEventId ? { last_event_id: this.lastEventId } : {};
    this.write({ type: "subscribe", channel: this.channel, ...resume });
  }

  private subscribed(frame: Frame): void {
    this.retryMs = 1000;
    this.on.online(frame.online as Member[]);
    if (frame.complete === false) this.on.gap();
    this.on.status("live");
    window.clearInterval(this.beating);
    const every = Number(frame.heartbeat_seconds) * 1000;
    this.beating = window.setInterval(() => void this.beat(), every);
  }

  /** Keep this tab online, swapping in a fresh token when the session refreshed it. */
  private async beat(): Promise<void> {
    const token = await accessToken();
    if (token !== this.token) {
      this.token = token;
      this.write({ type: "auth", token });
    }
    this.write({ type: "heartbeat" });
  }

  private settle(frame: Frame, done: (request: Pending) => void): void {
    const requestId = String(frame.request_id ?? "");
    const request = this.pending.get(requestId);
    if (!request) return;
    this.pending.delete(requestId);
    done(request);
  }

  private lost(socket: WebSocket): void {
    if (socket !== this.socket) return;
    window.clearInterval(this.beating);
    for (const request of this.pending.values()) {
      request.reject(new Error("The connection dropped: the message may not have been sent."));
    }
    this.pending.clear();
    this.on.status("offline");
    if (this.closed) return;
    window.setTimeout(() => this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private write(frame: Frame): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }
}
