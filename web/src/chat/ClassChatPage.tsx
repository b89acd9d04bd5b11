import { Button, Form, Label, TextArea, TextField } from "react-aria-components";
import { useParams } from "react-router";

import { api, ok } from "../api/client";
import { Problem } from "../app/Problem";
import { formatWhen } from "../app/time";
import { submitted, useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";
import { useClassChat } from "./useClassChat";

const MAX_MESSAGE_CHARS = 2000;
const STATUS_WORDS = { connecting: "Connecting…", live: "Live", offline: "Reconnecting…" };

/** A class's chat for its teacher and learners, with who is online now. */
export default function ClassChatPage() {
  const { classId = "" } = useParams();
  const schoolClass = useLoad(
    async () =>
      ok(await api.GET("/api/v1/classes/{class_id}", { params: { path: { class_id: classId } } })),
    [classId],
  );
  const chat = useClassChat(classId);
  const post = useAction(async (form: FormData, element: HTMLFormElement) => {
    await chat.send(String(form.get("text")));
    element.reset();
  });
  return (
    <section>
      <h1>{schoolClass.data ? `${schoolClass.data.name}: class chat` : "Class chat"}</h1>
      <Problem error={schoolClass.error ?? chat.error} />
      <p className="muted" role="status">
        {STATUS_WORDS[chat.status]}
      </p>
      <div className="panels">
        <section aria-labelledby="online">
          <h2 id="online">Online now</h2>
          <ul aria-label="Online members">
            {chat.online.map((member) => (
              <li key={member.user_id}>{member.display_name}</li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="messages">
          <h2 id="messages">Messages</h2>
          {chat.messages.length === 0 && <p className="muted">No messages yet.</p>}
          <ol className="stack" aria-label="Messages" aria-live="polite">
            {chat.messages.map((message) => (
              <li key={message.id}>
                <p>
                  <strong>{message.author_name}</strong>{" "}
                  <span className="muted">{formatWhen(message.created_at)}</span>
                </p>
                <p className="notice-body">{message.text}</p>
              </li>
            ))}
          </ol>
          <Form onSubmit={submitted(post.run)}>
            <TextField name="text" isRequired maxLength={MAX_MESSAGE_CHARS}>
              <Label>Message</Label>
              <TextArea />
            </TextField>
            <Problem error={post.error} />
            <Button type="submit" isDisabled={post.busy || chat.status !== "live"}>
              Send
            </Button>
          </Form>
        </section>
      </div>
    </section>
  );
}
