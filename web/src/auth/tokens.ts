/** The signed-in session's tokens: kept in localStorage, refreshed shortly before they expire,
 * dropped when the refresh is refused. Components follow it with `useSignedIn`. */
import { useSyncExternalStore } from "react";

import { forgetOfflineLessons } from "../app/offline";

type Tokens = { access: string; refresh: string; expiresAt: number };
export type TokenPair = { access_token: string; refresh_token: string; expires_in: number };

const STORAGE_KEY = "wc.session";
const REFRESH_MARGIN_MS = 30_000;
const listeners = new Set<() => void>();
let current: Tokens | null = read();
let refreshing: Promise<Tokens | null> | null = null;

function read(): Tokens | null {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null") as Tokens | null;
  } catch {
    return null;
  }
}

function store(tokens: Tokens | null): void {
  current = tokens;
  if (tokens) localStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
  else localStorage.removeItem(STORAGE_KEY);
  listeners.forEach((listener) => listener());
}

export function signIn(pair: TokenPair): void {
  store({
    access: pair.access_token,
    refresh: pair.refresh_token,
    expiresAt: Date.now() + pair.expires_in * 1000,
  });
}

export function signOut(): void {
  store(null);
  forgetOfflineLessons();
}

async function refreshed(tokens: Tokens): Promise<Tokens | null> {
  let response: Response;
  try {
    response = await fetch("/api/v1/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: tokens.refresh }),
    });
  } catch {
    // Offline: keep the session (the service worker still serves the lessons kept for
    // reading offline); the refresh is tried again on the next call.
    return current;
  }
  if (!response.ok) {
    store(null); // expired or revoked: sign in again
    return null;
  }
  signIn((await response.json()) as TokenPair);
  return current;
}

/** A valid access token, refreshed first when it is about to expire; null when signed out. */
export async function accessToken(): Promise<string | null> {
  if (current && Date.now() > current.expiresAt - REFRESH_MARGIN_MS) {
    refreshing ??= refreshed(current).finally(() => (refreshing = null));
    await refreshing;
  }
  return current?.access ?? null;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSignedIn(): boolean {
  return useSyncExternalStore(subscribe, () => current !== null);
}

export type Role = "student" | "teacher" | "parent" | "admin" | "content_editor" | "proctor";
type Claims = { sub: string; role: Role };

/** The access token's claims, read to shape the pages (the platform checks them on every call). */
function claims(tokens: Tokens | null): Claims | null {
  if (!tokens) return null;
  try {
    const payload = tokens.access.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload)) as Claims;
  } catch {
    return null;
  }
}

/** The signed-in person's role, or null when signed out. */
export function useRole(): Role | null {
  return useSyncExternalStore(subscribe, () => claims(current)?.role ?? null);
}
