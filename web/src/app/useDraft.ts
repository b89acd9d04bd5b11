import { useState } from "react";

/** Text a person is typing, kept in this tab's session storage under `key`: it survives being
 * sent to sign in again (an expired session) and coming back. */
export function useDraft(key: string): [string, (text: string) => void] {
  const storageKey = `wc.draft.${key}`;
  const [text, setText] = useState(() => sessionStorage.getItem(storageKey) ?? "");
  const update = (next: string) => {
    setText(next);
    if (next) sessionStorage.setItem(storageKey, next);
    else sessionStorage.removeItem(storageKey);
  };
  return [text, update];
}
