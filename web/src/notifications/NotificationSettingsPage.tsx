import { useState } from "react";
import { Button, Checkbox, Form, Input, Label, TextField } from "react-aria-components";

import { api, ok, type Schemas } from "../api/client";
import { Choice } from "../app/Choice";
import { Problem } from "../app/Problem";
import { submitted, useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";
import { enablePush, pushSupported } from "./push";

type Preferences = Schemas["PreferencesOut"];
type Channel = keyof Schemas["Channels"];
type Digest = Schemas["Digest"];

const CHANNELS: [Channel, string][] = [
  ["in_app", "In the inbox"],
  ["email", "E-mail"],
  ["push", "Push"],
];
const DIGESTS: [Digest, string][] = [
  ["off", "Off: each e-mail as it comes"],
  ["daily", "Daily"],
  ["weekly", "Weekly (Mondays)"],
];

/** "22:00:00" → "22:00", as a time input shows it. */
const hhmm = (time: string): string => time.slice(0, 5);

function preferencesOf(kinds: Preferences["kinds"], form: FormData): Schemas["PreferencesIn"] {
  const start = String(form.get("quiet_start") ?? "");
  const end = String(form.get("quiet_end") ?? "");
  const channels: Record<string, Schemas["Channels"]> = {};
  for (const { kind } of kinds) {
    const on = (channel: Channel) => form.get(`${kind}.${channel}`) === "on";
    channels[kind] = { in_app: on("in_app"), email: on("email"), push: on("push") };
  }
  return {
    time_zone: String(form.get("time_zone")) as Schemas["PreferencesIn"]["time_zone"],
    quiet_hours: form.get("quiet") === "on" && start && end ? { start, end } : null,
    digest: String(form.get("digest")) as Digest,
    digest_time: String(form.get("digest_time")),
    channels,
  };
}

function ChannelTable({ preferences }: { preferences: Preferences }) {
  return (
    <table>
      <caption>Where each kind of notification reaches you</caption>
      <thead>
        <tr>
          <th scope="col">Notification</th>
          {CHANNELS.map(([channel, label]) => (
            <th key={channel} scope="col">
              {label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {preferences.kinds.map(({ kind, label }) => (
          <tr key={kind}>
            <th scope="row">{label}</th>
            {CHANNELS.map(([channel, channelLabel]) => (
              <td key={channel}>
                <Checkbox
                  name={`${kind}.${channel}`}
                  defaultSelected={preferences.channels[kind]?.[channel] ?? true}
                  aria-label={`${label}: ${channelLabel}`}
                />
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Timing({ preferences }: { preferences: Preferences }) {
  const quiet = preferences.quiet_hours;
  return (
    <>
      <TextField name="time_zone" defaultValue={preferences.time_zone} isRequired>
        <Label>Time zone (IANA name, e.g. Europe/Berlin)</Label>
        <Input />
      </TextField>
      <Checkbox name="quiet" defaultSelected={quiet !== null}>
        Quiet hours: hold e-mail and push until they end
      </Checkbox>
      <TextField name="quiet_start" type="time" defaultValue={quiet ? hhmm(quiet.start) : "22:00"}>
        <Label>Quiet from</Label>
        <Input />
      </TextField>
      <TextField name="quiet_end" type="time" defaultValue={quiet ? hhmm(quiet.end) : "07:00"}>
        <Label>Quiet until</Label>
        <Input />
      </TextField>
      <Choice
        name="digest"
        label="E-mail digest"
        options={DIGESTS}
        defaultSelectedKey={preferences.digest}
      />
      <TextField name="digest_time" type="time" defaultValue={hhmm(preferences.digest_time)}>
        <Label>Digest sent at</Label>
        <Input />
      </TextField>
    </>
  );
}

function PushInThisBrowser() {
  const [enabled, setEnabled] = useState(false);
  const enable = useAction(async () => {
    await enablePush();
    setEnabled(true);
  });
  if (!pushSupported()) return <p className="muted">This browser cannot receive push.</p>;
  return (
    <>
      <Problem error={enable.error} />
      {enabled ? (
        <p role="status">Push is on in this browser.</p>
      ) : (
        <Button onPress={() => void enable.run()} isDisabled={enable.busy}>
          Enable push in this browser
        </Button>
      )}
    </>
  );
}

/** How and when the platform tells the person things: channels per kind, quiet hours in their
 * time zone, an e-mail digest, and push in this browser. */
export default function NotificationSettingsPage() {
  const loaded = useLoad(async () => ok(await api.GET("/api/v1/notifications/preferences")), []);
  const [saved, setSaved] = useState(false);
  const save = useAction(async (form: FormData) => {
    setSaved(false);
    const kinds = loaded.data?.kinds ?? [];
    const body = preferencesOf(kinds, form);
    await ok(await api.PUT("/api/v1/notifications/preferences", { body }));
    setSaved(true);
  });
  const preferences = loaded.data;
  return (
    <section>
      <h1>Notification settings</h1>
      {loaded.loading && !preferences && <p role="status">Loading your settings…</p>}
      <Problem error={loaded.error} />
      {preferences && (
        <Form onSubmit={submitted(save.run)} aria-label="Notification settings">
          <ChannelTable preferences={preferences} />
          <div className="narrow">
            <Timing preferences={preferences} />
          </div>
          <Problem error={save.error} />
          {saved && <p role="status">Saved.</p>}
          <Button type="submit" isDisabled={save.busy}>
            Save
          </Button>
        </Form>
      )}
      <h2>Push</h2>
      <PushInThisBrowser />
    </section>
  );
}
