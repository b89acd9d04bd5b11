import type { Schemas } from "../api/client";

/** Topics typed one per line, objectives after a bar: "Loops | Write a for loop | Use range". */
export function parseTopics(text: string): Schemas["TopicIn"][] {
  return text
    .split("\n")
    .map((line) => line.split("|").map((part) => part.trim()))
    .filter(([topic]) => topic)
    .map(([topic, ...objectives]) => ({ topic, objectives: objectives.filter(Boolean) }));
}
