import { useCallback, useEffect, useRef, useState } from "react";

import { api, ok } from "../api/client";
import { type ChatMessage, ClassChannel, type HubStatus, type Member } from "./hub";

const HISTORY_SIZE = 50;

export type ClassChat = {
  messages: ChatMessage[];
  online: Member[];
  status: HubStatus;
  error: unknown;
  send: (text: string) => Promise<void>;
};

function merged(known: ChatMessage[], more: ChatMessage[]): ChatMessage[] {
  const byId = new Map(known.map((message) => [message.id, message]));
  for (const message of more) byId.set(message.id, message);
  return [...byId.values()].sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/** A class's chat: its recent history, live messages and who is online, kept up to date. */
export function useClassChat(classId: string): ClassChat {
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [online, setOnline] = useState<Member[]>([]);
  const [status, setStatus] = useState<HubStatus>("connecting");
  const [error, setError] = useState<unknown>(null);
  const channel = useRef<ClassChannel | null>(null);

  const loadHistory = useCallback(async () => {
    try {
      const page = await ok(
        await api.GET("/api/v1/classes/{class_id}/messages", {
          params: { path: { class_id: classId }, query: { limit: HISTORY_SIZE } },
        }),
      );
      setMessages((known) => merged(known, page.items));
    } catch (failure) {
      setError(failure);
    }
  }, [classId]);

  useEffect(() => {
    setMessages([]);
    setOnline([]);
    const opened = new ClassChannel(classId, {
      online: setOnline,
      presence: (member, isOnline) =>
        setOnline((members) => [
          ...members.filter((m) => m.user_id !== member.user_id),
          ...(isOnline ? [member] : []),
        ]),
      message: (message) => setMessages((known) => merged(known, [message])),
      status: setStatus,
      gap: () => void loadHistory(),
    });
    channel.current = opened;
    opened.open();
    void loadHistory();
    return () => opened.close();
  }, [classId, loadHistory]);

  const send = useCallback(async (text: string) => {
    const sent = await channel.current!.send(text);
    setMessages((known) => merged(known, [sent]));
  }, []);

  return { messages, online, status, error, send };
}
