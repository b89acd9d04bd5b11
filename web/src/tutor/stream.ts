/** The tutor's answer as it streams: Server-Sent Events read from the typed client's response
 * body (EventSource cannot POST nor send a bearer token). */
import { api, apiError, type Schemas } from "../api/client";

export type Citation = { marker: number; lesson_id: string; title: string };
export type Done = { turn_id: string; answer: string; citations: Citation[]; refused: boolean };
export type TutorEvent =
  | { type: "turn"; turn_id: string }
  | { type: "token"; text: string }
  | { type: "replace"; text: string }
  | { type: "done"; done: Done }
  | { type: "error"; code: string; message: string };

export async function startSession(courseId: string): Promise<string> {
  const body: Schemas["platform_api__tutor__schemas__SessionIn"] = { course_id: courseId };
  const { data, error, response } = await api.POST("/api/v1/tutor/sessions", { body });
  if (!data) throw await apiError(response, error);
  return data.id;
}

function event(kind: string, data: Record<string, unknown>): TutorEvent | null {
  switch (kind) {
    case "turn":
      return { type: "turn", turn_id: String(data.turn_id) };
    case "token":
    case "replace":
      return { type: kind, text: String(data.text) };
    case "done":
      return { type: "done", done: data as unknown as Done };
    case "error":
      return { type: "error", code: String(data.code), message: String(data.message) };
    default:
      return null;
  }
}

/** The events of one SSE block ("event: …" and "data: …" lines). */
function parseBlock(block: string): TutorEvent | null {
  let kind = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) kind = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trim());
  }
  return data.length ? event(kind, JSON.parse(data.join("\n")) as Record<string, unknown>) : null;
}

/** Ask, and yield the answer's events as they arrive; `signal` stops the answer (the server
 * cancels the generation when the stream closes). */
export async function* ask(
  sessionId: string,
  content: string,
  signal: AbortSignal,
): AsyncGenerator<TutorEvent> {
  const { response, error } = await api.POST("/api/v1/tutor/sessions/{session_id}/messages", {
    params: { path: { session_id: sessionId } },
    body: { content },
    parseAs: "stream",
    signal,
  });
  if (!response.ok || !response.body) throw await apiError(response, error);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value.replaceAll("\r\n", "\n");
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const parsed = parseBlock(buffered.slice(0, end));
      buffered = buffered.slice(end + 2);
      if (parsed) yield parsed;
    }
  }
}
