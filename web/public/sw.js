/* The web client's service worker: lessons a learner opened read offline.
 *
 * - Pages (navigations): the network first; offline, the cached application shell (the client
 *   routes any path itself).
 * - Built assets (/assets/, content-hashed): from the cache once fetched.
 * - A lesson and its course's outline (GET /api/v1/curricula/lessons/ID, /courses/ID): the
 *   network first, each answer kept; offline, the kept one. Nothing else of the API is kept:
 *   the tutor and every write need the connection, and say so.
 * The page empties the lesson cache when the person signs out (auth/tokens.ts).
 */
const SHELL = "wc-shell-v1";
const LESSONS = "wc-lessons";
const KEPT_API = /^\/api\/v1\/curricula\/(lessons|courses)\/[0-9a-f-]{36}$/;

/** The application shell and the assets it names, kept when the worker installs. */
async function keepShell() {
  const cache = await caches.open(SHELL);
  const response = await fetch("/index.html", { cache: "no-cache" });
  const html = await response.clone().text();
  await cache.put("/index.html", response);
  const assets = [...html.matchAll(/"(\/assets\/[^"]+)"/g)].map((match) => match[1]);
  await cache.addAll(assets);
}

self.addEventListener("install", (event) => event.waitUntil(keepShell().then(() => self.skipWaiting())));
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

// The page names the assets it loaded before this worker controlled it (a lazily loaded page's
// code, its styles and fonts): they are kept too.
self.addEventListener("message", (event) => {
  const urls = (event.data?.keep ?? []).filter((url) => new URL(url).pathname.startsWith("/assets/"));
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(urls)));
});

async function networkFirst(request, cacheName, fallbackKey) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(fallbackKey ?? request, response.clone());
    return response;
  } catch (offline) {
    const kept = await cache.match(fallbackKey ?? request, { ignoreVary: true });
    if (kept) return kept;
    throw offline;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(SHELL);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && !url.pathname.startsWith("/api/")) {
    event.respondWith(networkFirst(request, SHELL, "/index.html"));
  } else if (url.pathname.startsWith("/assets/")) {
    event.respondWith(cacheFirst(request));
  } else if (KEPT_API.test(url.pathname)) {
    event.respondWith(networkFirst(request, LESSONS));
  }
});

// Web Push (src/notifications/push.ts subscribed this browser): the platform's message, already
// decrypted by the browser, shown as a notification; a click opens its page.
self.addEventListener("push", (event) => {
  const message = event.data?.json() ?? {};
  event.waitUntil(
    self.registration.showNotification(message.title ?? "Water Classroom", {
      body: message.body ?? "",
      tag: message.kind,
      data: { url: message.url ?? "/inbox" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data?.url ?? "/inbox"));
});
