import { useState } from "react";
import { Button, Form, Label, TextArea, TextField } from "react-aria-components";

import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { submitted, useAction } from "../app/useAction";
import { Verdicts } from "./Verdicts";

type Item = Schemas["GeneratedItemOut"];

/** A generated item for its reviewer: question, options and key, hints, verdicts; an edit of its
 * wording saved as a new version authored by the reviewer. */
export function ItemReview({ item: given }: { item: Item }) {
  const [item, setItem] = useState(given);
  const [editing, setEditing] = useState(false);
  const save = useAction(async (form: FormData) => {
    const body = {
      version: item.version,
      prompt: String(form.get("prompt")),
      solution: String(form.get("solution")),
      change_note: String(form.get("change_note") || "Edited in review."),
    };
    const path = { item_id: item.id };
    setItem(await ok(await api.PUT("/api/v1/content/items/{item_id}", { params: { path }, body })));
    setEditing(false);
  });
  const options = item.options as { key?: string; text?: string }[];
  return (
    <li>
      <article aria-label={`Item: ${item.prompt}`}>
        <p>
          <strong>{item.prompt}</strong>{" "}
          <span className="muted">
            ({item.kind}, version {item.version})
          </span>
        </p>
        {options.length > 0 && (
          <ol type="a">
            {options.map((option, index) => (
              <li key={option.key ?? index}>
                {option.text}
                {option.key === item.answer && <span className="tag">key</span>}
              </li>
            ))}
          </ol>
        )}
        {options.length === 0 && item.answer && <p>Answer: {item.answer}</p>}
        {item.solution && <p>Solution: {item.solution}</p>}
        {item.hints.length > 0 && (
          <ol aria-label="Hints">
            {item.hints.map((hint) => (
              <li key={hint}>{hint}</li>
            ))}
          </ol>
        )}
        <Verdicts verdicts={item.verdicts} label="Item checks" />
        {editing ? (
          <Form onSubmit={submitted(save.run)} aria-label="Edit the item">
            <TextField name="prompt" defaultValue={item.prompt} isRequired>
              <Label>Question</Label>
              <TextArea rows={3} />
            </TextField>
            <TextField name="solution" defaultValue={item.solution}>
              <Label>Solution</Label>
              <TextArea rows={3} />
            </TextField>
            <TextField name="change_note">
              <Label>What you changed</Label>
              <TextArea rows={1} />
            </TextField>
            <Problem error={save.error} />
            <div className="row">
              <Button type="submit" isDisabled={save.busy}>
                Save the item
              </Button>
              <Button className="link-button" onPress={() => setEditing(false)}>
                Discard
              </Button>
            </div>
          </Form>
        ) : (
          <Button className="link-button" onPress={() => setEditing(true)}>
            Edit the item
          </Button>
        )}
      </article>
    </li>
  );
}
