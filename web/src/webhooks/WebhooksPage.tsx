import { useState } from "react";
import {
  Button,
  Checkbox,
  CheckboxGroup,
  Form,
  Input,
  Label,
  TextField,
} from "react-aria-components";

import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { formatWhen } from "../app/time";
import { submitted, useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";

type Subscription = Schemas["SubscriptionOut"];
type Delivery = Schemas["DeliveryOut"];
// The names the platform offers: the event-types list, which this form shows.
type EventTypeName = Schemas["SubscriptionCreate"]["event_types"][number];

/** The secret of a new or rotated subscription: the platform shows it this once. */
function Secret({ secret }: { secret: string }) {
  return (
    <p role="status" className="notice">
      Signing secret (copy it now, it is not shown again): <code>{secret}</code>
    </p>
  );
}

function NewSubscription({ onCreated }: { onCreated: (secret: string) => void }) {
  const kinds = useLoad(async () => ok(await api.GET("/api/v1/webhooks/event-types")), []);
  const create = useAction(async (form: FormData, element: HTMLFormElement) => {
    const created = await ok(
      await api.POST("/api/v1/webhooks/subscriptions", {
        body: {
          url: String(form.get("url")),
          event_types: form.getAll("event_types").map(String) as EventTypeName[],
          description: String(form.get("description") ?? ""),
        },
      }),
    );
    element.reset();
    onCreated(created.secret);
  });
  const subscribable = (kinds.data ?? []).filter((kind) => kind.name !== "webhook.ping");
  return (
    <Form onSubmit={submitted(create.run)} aria-label="New webhook">
      <h2>New webhook</h2>
      <TextField name="url" type="url" isRequired>
        <Label>Receiver URL</Label>
        <Input placeholder="https://lms.example.org/hooks/water" />
      </TextField>
      <TextField name="description">
        <Label>Description</Label>
        <Input maxLength={300} />
      </TextField>
      <Problem error={kinds.error} />
      <CheckboxGroup name="event_types" isRequired>
        <Label>Events</Label>
        {subscribable.map((kind) => (
          <Checkbox key={kind.name} value={kind.name}>
            <code>{kind.name}</code>: {kind.description}
            {kind.scope === "platform" && <span className="muted"> (admins only)</span>}
          </Checkbox>
        ))}
      </CheckboxGroup>
      <Problem error={create.error} />
      <Button type="submit" isDisabled={create.busy}>
        Subscribe
      </Button>
    </Form>
  );
}

function DeliveryLog({ subscriptionId }: { subscriptionId: string }) {
  const path = { subscription_id: subscriptionId };
  const log = useLoad(
    async () =>
      ok(
        await api.GET("/api/v1/webhooks/subscriptions/{subscription_id}/deliveries", {
          params: { path, query: { limit: 20 } },
        }),
      ),
    [subscriptionId],
  );
  const redeliver = useAction(async (delivery: Delivery) => {
    await ok(
      await api.POST(
        "/api/v1/webhooks/subscriptions/{subscription_id}/deliveries/{delivery_id}/redeliver",
        { params: { path: { ...path, delivery_id: delivery.id } } },
      ),
    );
    log.reload();
  });
  const items = log.data?.items ?? [];
  return (
    <>
      <Problem error={log.error ?? redeliver.error} />
      <table>
        <caption>
          Latest deliveries{" "}
          <Button className="link-button" onPress={log.reload}>
            refresh
          </Button>
        </caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">When</th>
            <th scope="col">Status</th>
            <th scope="col">Last answer</th>
            <th scope="col">Attempts</th>
            <th scope="col"></th>
          </tr>
        </thead>
        <tbody>
          {items.map((delivery) => (
            <tr key={delivery.id}>
              <td>
                <code>{delivery.event_type}</code>
              </td>
              <td>{formatWhen(delivery.occurred_at)}</td>
              <td>{delivery.status}</td>
              <td>
                {delivery.last_attempt
                  ? `${delivery.last_attempt.status_code ?? delivery.last_attempt.error ?? "–"} in ${Math.round(delivery.last_attempt.latency_ms)} ms`
                  : "not tried yet"}
              </td>
              <td>{delivery.attempts}</td>
              <td>
                {delivery.status !== "pending" && (
                  <Button
                    className="link-button"
                    aria-label={`Redeliver ${delivery.event_type} of ${formatWhen(delivery.occurred_at)}`}
                    onPress={() => void redeliver.run(delivery)}
                  >
                    redeliver
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {items.length === 0 && <p className="muted">Nothing delivered yet.</p>}
    </>
  );
}

function SubscriptionCard({
  subscription,
  onChange,
}: {
  subscription: Subscription;
  onChange: (secret?: string) => void;
}) {
  const path = { subscription_id: subscription.id };
  const [showLog, setShowLog] = useState(false);
  const toggle = useAction(async () => {
    await ok(
      await api.PATCH("/api/v1/webhooks/subscriptions/{subscription_id}", {
        params: { path },
        body: { enabled: !subscription.enabled },
      }),
    );
    onChange();
  });
  const rotate = useAction(async () => {
    const rotated = await ok(
      await api.POST("/api/v1/webhooks/subscriptions/{subscription_id}/rotate-secret", {
        params: { path },
        body: { overlap_seconds: 86400 },
      }),
    );
    onChange(rotated.secret);
  });
  const ping = useAction(async () => {
    await ok(
      await api.POST("/api/v1/webhooks/subscriptions/{subscription_id}/ping", { params: { path } }),
    );
    setShowLog(true);
  });
  const remove = useAction(async () => {
    await ok(
      await api.DELETE("/api/v1/webhooks/subscriptions/{subscription_id}", { params: { path } }),
    );
    onChange();
  });
  return (
    <li>
      <h3>{subscription.description || subscription.url}</h3>
      <p>
        <code>{subscription.url}</code>: {subscription.event_types.join(", ")}
      </p>
      <p>
        {subscription.enabled ? "Enabled" : `Disabled: ${subscription.disabled_reason ?? ""}`}
        {subscription.failing_since && ` (failing since ${formatWhen(subscription.failing_since)})`}
        {subscription.previous_secret_expires_at &&
          `; the previous secret signs until ${formatWhen(subscription.previous_secret_expires_at)}`}
      </p>
      <Problem error={toggle.error ?? rotate.error ?? ping.error ?? remove.error} />
      <div className="actions">
        <Button onPress={() => void toggle.run()}>
          {subscription.enabled ? "Disable" : "Enable"}
        </Button>
        <Button onPress={() => void ping.run()}>Send a test</Button>
        <Button onPress={() => void rotate.run()}>Rotate the secret</Button>
        <Button onPress={() => setShowLog(!showLog)}>{showLog ? "Hide" : "Show"} deliveries</Button>
        <Button onPress={() => void remove.run()}>Delete</Button>
      </div>
      {showLog && <DeliveryLog subscriptionId={subscription.id} />}
    </li>
  );
}

/** Webhooks of an admin (every course) or a school (its own courses): subscribe a receiver to
 * events, test it, rotate its secret, read what was delivered and send one again. */
export default function WebhooksPage() {
  const [secret, setSecret] = useState<string | null>(null);
  const subscriptions = useLoad(
    async () => ok(await api.GET("/api/v1/webhooks/subscriptions")),
    [],
  );
  const changed = (newSecret?: string) => {
    setSecret(newSecret ?? null);
    subscriptions.reload();
  };
  return (
    <section>
      <h1>Webhooks</h1>
      <p>
        Each delivery is signed with the subscription's secret (the{" "}
        <code>Water-Classroom-Signature</code> header); how to check it is in the integration guide.
      </p>
      {secret && <Secret secret={secret} />}
      {subscriptions.loading && !subscriptions.data && <p role="status">Loading your webhooks…</p>}
      <Problem error={subscriptions.error} />
      <ul className="stack" aria-label="Your webhooks">
        {(subscriptions.data ?? []).map((subscription) => (
          <SubscriptionCard key={subscription.id} subscription={subscription} onChange={changed} />
        ))}
      </ul>
      {subscriptions.data?.length === 0 && <p className="muted">No webhooks yet.</p>}
      <NewSubscription onCreated={changed} />
    </section>
  );
}
