/** Web Push in this browser: the service worker (public/sw.js) subscribes with the platform's
 * VAPID key, and the subscription is sent to the platform, which pushes through it. */
import { api, ok } from "../api/client";

export function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/** The key as PushManager takes it (bytes, from base64url). */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (char) => char.charCodeAt(0));
}

/** Asks the person's permission, subscribes this browser and registers it with the platform. */
export async function enablePush(): Promise<void> {
  if ((await Notification.requestPermission()) !== "granted") {
    throw new Error("This browser was not allowed to show notifications.");
  }
  const { public_key } = await ok(await api.GET("/api/v1/notifications/push/public-key"));
  const registration = await navigator.serviceWorker.register("/sw.js");
  await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(public_key),
  });
  const json = subscription.toJSON();
  const keys = { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" };
  await ok(
    await api.POST("/api/v1/notifications/push/subscriptions", {
      body: { endpoint: subscription.endpoint, keys },
    }),
  );
}
