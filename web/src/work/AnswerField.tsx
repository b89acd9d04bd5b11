import { useEffect, useRef, useState } from "react";
import { Input, Label, Radio, RadioGroup, TextArea, TextField } from "react-aria-components";

import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { formatWhen } from "../app/time";
import { useAction } from "../app/useAction";

type Item = Schemas["SittingItemOut"];
const TYPING_PAUSE_MS = 800;

/** Saves one answer as it is given: a choice at once, typed text after a pause and on leaving the
 * field. The last save before the close is the one that counts. */
function useSavedAnswer(sittingId: string, item: Item, track: (save: Promise<void>) => void) {
  const [savedAt, setSavedAt] = useState<string | null>(item.answered_at ?? null);
  const pending = useRef<number | null>(null);
  const save = useAction(async (answer: string) => {
    if (!answer.trim()) return;
    const path = { sitting_id: sittingId, item_id: item.item_id };
    const saved = await ok(
      await api.PUT("/api/v1/sittings/{sitting_id}/answers/{item_id}", {
        params: { path },
        body: { answer },
      }),
    );
    setSavedAt(saved.answered_at);
  });
  const flush = (answer: string) => {
    if (pending.current !== null) window.clearTimeout(pending.current);
    pending.current = null;
    track(save.run(answer));
  };
  const typed = (answer: string) => {
    if (pending.current !== null) window.clearTimeout(pending.current);
    pending.current = window.setTimeout(() => flush(answer), TYPING_PAUSE_MS);
  };
  useEffect(
    () => () => void (pending.current !== null && window.clearTimeout(pending.current)),
    [],
  );
  return { savedAt, save, flush, typed };
}

/** One question of a sitting, answered in the way its kind asks for. */
type AnswerFieldProps = {
  sittingId: string;
  item: Item;
  disabled: boolean;
  track: (save: Promise<void>) => void; // the sitting waits for saves before it submits
};

export function AnswerField({ sittingId, item, disabled, track }: AnswerFieldProps) {
  const { savedAt, save, flush, typed } = useSavedAnswer(sittingId, item, track);
  const [value, setValue] = useState(item.answer ?? "");
  const label = `${item.position + 1}. ${item.prompt}`;
  let field;
  if (item.kind === "multiple_choice") {
    field = (
      <RadioGroup
        value={value}
        isDisabled={disabled}
        onChange={(key) => {
          setValue(key);
          flush(key);
        }}
      >
        <Label>{label}</Label>
        {item.options.map((option) => (
          <Radio key={option.key} value={option.key}>
            {option.text}
          </Radio>
        ))}
      </RadioGroup>
    );
  } else {
    const long = item.kind !== "numeric";
    field = (
      <TextField
        value={value}
        isDisabled={disabled}
        onChange={(text) => {
          setValue(text);
          typed(text);
        }}
        onBlur={() => flush(value)}
      >
        <Label>{label}</Label>
        {long ? <TextArea rows={4} /> : <Input inputMode="decimal" />}
        {item.unit && <span className="muted">Give the unit: {item.unit}</span>}
      </TextField>
    );
  }
  return (
    <li className="question-card">
      {field}
      <p className="muted" aria-live="polite">
        {save.busy ? "Saving…" : savedAt ? `Saved ${formatWhen(savedAt)}` : "Not answered yet"} ·{" "}
        {item.max_points} {item.max_points === 1 ? "point" : "points"}
      </p>
      <Problem error={save.error} />
    </li>
  );
}
