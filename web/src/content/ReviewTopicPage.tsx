import { useState } from "react";
import { Button, Form, Label, TextArea, TextField } from "react-aria-components";
import { useParams } from "react-router";

import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { submitted, useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";
import Markdown from "../lessons/Markdown";
import { ItemReview } from "./ItemReview";
import { Verdicts } from "./Verdicts";

type Entry = Schemas["ReviewEntry"];
type Source = { lesson_title?: string; text?: string };

/** The lesson's Markdown beside what it renders to; saved as a new version by the reviewer. */
function LessonEditor({ entry, onSaved }: { entry: Entry; onSaved: (entry: Entry) => void }) {
  const [markdown, setMarkdown] = useState(entry.lesson_markdown ?? "");
  const save = useAction(async (form: FormData) => {
    const path = { topic_id: entry.topic.id };
    const body = {
      version: entry.lesson_version ?? 0,
      body_markdown: markdown,
      change_note: String(form.get("change_note") || "Edited in review."),
    };
    onSaved(
      await ok(
        await api.PUT("/api/v1/content/review/{topic_id}/lesson", { params: { path }, body }),
      ),
    );
  });
  return (
    <Form onSubmit={submitted(save.run)} aria-label="Edit the lesson">
      <div className="side-by-side">
        <TextField value={markdown} onChange={setMarkdown}>
          <Label>Lesson (Markdown)</Label>
          <TextArea rows={24} />
        </TextField>
        <section aria-label="Preview" className="preview">
          <Markdown>{markdown}</Markdown>
        </section>
      </div>
      <TextField name="change_note">
        <Label>What you changed</Label>
        <TextArea rows={1} />
      </TextField>
      <Problem error={save.error} />
      <Button type="submit" isDisabled={save.busy || markdown === entry.lesson_markdown}>
        Save the lesson (version {(entry.lesson_version ?? 0) + 1})
      </Button>
    </Form>
  );
}

/** Approve (the lesson is published) or reject with a reason. */
function Decision({
  entry,
  onDecided,
}: {
  entry: Entry;
  onDecided: (topic: Schemas["TopicOut"]) => void;
}) {
  const decide = useAction(async (decision: "approve" | "reject", reason: string) => {
    const path = { topic_id: entry.topic.id };
    onDecided(
      await ok(
        await api.POST("/api/v1/content/review/{topic_id}/decision", {
          params: { path },
          body: { decision, reason },
        }),
      ),
    );
  });
  const [reason, setReason] = useState("");
  if (entry.topic.review_status !== "pending") {
    return (
      <p role="status">
        {entry.topic.review_status === "approved"
          ? "Approved: the lesson is published."
          : "Rejected."}
        {entry.topic.review_reason ? ` ${entry.topic.review_reason}` : ""}
      </p>
    );
  }
  return (
    <div className="narrow decision">
      <TextField value={reason} onChange={setReason}>
        <Label>Reason (needed to reject)</Label>
        <TextArea rows={2} />
      </TextField>
      <Problem error={decide.error} />
      <div className="row">
        <Button isDisabled={decide.busy} onPress={() => void decide.run("approve", reason)}>
          Approve and publish
        </Button>
        <Button
          isDisabled={decide.busy || !reason.trim()}
          onPress={() => void decide.run("reject", reason)}
        >
          Reject
        </Button>
      </div>
    </div>
  );
}

/** A generated topic under review: lesson, every check's verdict, sources, items, decision. */
export default function ReviewTopicPage() {
  const { topicId = "" } = useParams();
  const loaded = useLoad(
    async () =>
      ok(
        await api.GET("/api/v1/content/review/{topic_id}", {
          params: { path: { topic_id: topicId } },
        }),
      ),
    [topicId],
  );
  const [edited, setEdited] = useState<Entry | null>(null);
  const entry = edited ?? loaded.data;
  return (
    <section>
      {loaded.loading && !entry && <p role="status">Loading the topic…</p>}
      <Problem error={loaded.error} />
      {entry && (
        <>
          <h1>Review: {entry.topic.topic}</h1>
          <Decision entry={entry} onDecided={(topic) => setEdited({ ...entry, topic })} />
          <h2>{entry.lesson_title ?? "Lesson"}</h2>
          <Verdicts verdicts={entry.lesson_verdicts} label="Lesson checks" />
          {entry.lesson_markdown != null && (
            <LessonEditor key={entry.lesson_version} entry={entry} onSaved={setEdited} />
          )}
          <h2>Items</h2>
          <ul className="stack">
            {entry.items.map((item) => (
              <ItemReview key={item.id} item={item} />
            ))}
          </ul>
          <h2>Sources</h2>
          <ol aria-label="Sources">
            {(entry.sources as Source[]).map((source, index) => (
              <li key={index}>
                <strong>{source.lesson_title ?? "Passage"}</strong>
                <blockquote>{source.text}</blockquote>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
