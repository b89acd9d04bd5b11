/** The service worker (public/sw.js) that keeps opened lessons readable offline. */
const LESSON_CACHE = "wc-lessons";

/** Registers the worker (built client only) and hands it the assets already loaded. */
export function keepLessonsOffline(): void {
  if (!("serviceWorker" in navigator) || !import.meta.env.PROD) return;
  void navigator.serviceWorker.register("/sw.js").then(async () => {
    const ready = await navigator.serviceWorker.ready;
    const loaded = performance
      .getEntriesByType("resource")
      .map((entry) => entry.name)
      .filter((url) => url.startsWith(`${location.origin}/assets/`));
    ready.active?.postMessage({ keep: loaded });
  });
}

/** Forgets the lessons kept for offline reading (on signing out: they were this person's). */
export function forgetOfflineLessons(): void {
  if ("caches" in window) void caches.delete(LESSON_CACHE);
}
