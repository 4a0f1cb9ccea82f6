import { type AlertChannel, type AlertChannelType, createAlertChannelBody } from "@syntra/contracts";
import { Send, Trash2 } from "lucide-react";
import { useState } from "react";
import { AlertsNav } from "../components/alerts-nav";
import { SecretBox } from "../components/copy";
import { Field, invalid } from "../components/field";
import { PageHeader } from "../components/layout";
import { NewItemCard } from "../components/new-item-card";
import { Empty, ErrorNote, QueryView } from "../components/states";
import { Badge } from "../components/ui/badge";
import { Button } from "../components/ui/button";
import { Card, CardContent } from "../components/ui/card";
import { Input, Select } from "../components/ui/input";
import { useAction } from "../lib/action";
import { api, errorMessage } from "../lib/api";
import { useAuth } from "../lib/auth";
import { formValues, useSubmit } from "../lib/form";
import { timeAgo } from "../lib/format";
import { invalidate, useQuery } from "../lib/query";

const LABEL: Record<AlertChannelType, string> = {
  slack: "Slack (incoming webhook)",
  discord: "Discord (webhook)",
  pagerduty: "PagerDuty (Events API v2)",
  email: "Email",
  webhook: "Webhook (Standard Webhooks)",
};

function configOf(type: AlertChannelType, v: Record<string, string>): unknown {
  switch (type) {
    case "slack":
    case "discord":
      return { webhook_url: v.target };
    case "pagerduty":
      return { routing_key: v.target };
    case "email":
      return { to: (v.target ?? "").split(/[\s,]+/).filter(Boolean) };
    case "webhook":
      return { url: v.target };
    default:
      return {};
  }
}

function NewChannel({ onDone }: { onDone(secret: string | null): void }) {
  const [type, setType] = useState<AlertChannelType>("slack");
  const form = useSubmit(createAlertChannelBody, async (body) => {
    const created = await api.alertChannels.create(body);
    invalidate("channels");
    onDone(created.signing_secret ?? null);
  });
  const targetError =
    form.errors["config.webhook_url"] ??
    form.errors["config.routing_key"] ??
    form.errors["config.to"] ??
    form.errors["config.url"];
  return (
    <NewItemCard
      title="New channel"
      form={form}
      submit={{ label: "Add channel", pending: "Adding…" }}
      onSubmit={(e) => {
        const v = formValues(e);
        void form.submit({ name: v.name, type, config: configOf(type, v) });
      }}
    >
      <Field id="name" label="Name" error={form.errors.name}>
        <Input placeholder="#ops" {...invalid("name", form.errors.name)} />
      </Field>
      <Field id="type" label="Type">
        <Select id="type" value={type} onChange={(e) => setType(e.target.value as AlertChannelType)}>
          {Object.entries(LABEL).map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </Select>
      </Field>
      <Field
        id="target"
        label={
          type === "pagerduty"
            ? "Integration key"
            : type === "email"
              ? "Addresses"
              : type === "webhook"
                ? "URL"
                : "Webhook URL"
        }
        error={targetError}
        hint="Stored encrypted; never shown again."
      >
        <Input {...invalid("target", targetError)} autoComplete="off" />
      </Field>
    </NewItemCard>
  );
}

function Deliveries({ channel }: { channel: AlertChannel }) {
  const query = useQuery(`deliveries:${channel.id}`, () =>
    api.alertChannels.deliveries({ channelId: channel.id, limit: 10 }),
  );
  return (
    <QueryView query={query}>
      {(rows) =>
        rows.length === 0 ? (
          <p className="text-sm text-zinc-500">No deliveries yet.</p>
        ) : (
          <ul className="grid gap-1 text-sm">
            {rows.map((d) => (
              <li key={d.id} className="flex flex-wrap gap-2">
                <Badge tone={d.status === "delivered" ? "green" : d.status === "failed" ? "red" : "amber"}>
                  {d.status}
                </Badge>
                <span>{d.kind}</span>
                <span className="text-zinc-500">
                  {timeAgo(d.created_at)} · {d.attempts} attempt{d.attempts === 1 ? "" : "s"}
                </span>
                {d.last_error && <span className="text-red-600">{d.last_error}</span>}
              </li>
            ))}
          </ul>
        )
      }
    </QueryView>
  );
}

/** /alerts/channels: where notifications go, their delivery health, a test button. */
export function AlertChannelsPage() {
  const { can } = useAuth();
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [tested, setTested] = useState<Record<string, string>>({});
  const query = useQuery("channels", () => api.alertChannels.list());
  const action = useAction();
  const test = (c: AlertChannel) =>
    action.run(
      async () => {
        try {
          const d = await api.alertChannels.test({ channelId: c.id });
          setTested({ ...tested, [c.id]: d.status === "delivered" ? "Delivered" : `Failed: ${d.last_error}` });
        } catch (err) {
          setTested({ ...tested, [c.id]: errorMessage(err) });
        }
      },
      "channels",
      `deliveries:${c.id}`,
    );
  return (
    <>
      <PageHeader
        title="Alerts"
        description="Notification channels. Deliveries are queued and retried; a failing channel says why."
        actions={can("alerts:write") && !adding && <Button onClick={() => setAdding(true)}>Add channel</Button>}
      />
      <AlertsNav />
      {adding && (
        <NewChannel
          onDone={(s) => {
            setAdding(false);
            setSecret(s);
          }}
        />
      )}
      {secret && (
        <Card className="mb-6">
          <CardContent className="pt-5">
            <p className="mb-2 text-sm">
              The webhook's signing secret (shown once): verify `webhook-signature` with it.
            </p>
            <SecretBox value={secret} label="Signing secret" />
          </CardContent>
        </Card>
      )}
      {action.error != null && <ErrorNote error={action.error} />}
      <QueryView query={query}>
        {(channels) =>
          channels.length === 0 ? (
            <Empty title="No channels yet">Add Slack, Discord, PagerDuty, email or a webhook.</Empty>
          ) : (
            <ul className="grid gap-3">
              {channels.map((c) => (
                <li key={c.id}>
                  <Card>
                    <CardContent className="grid gap-3 pt-4 sm:pt-5">
                      <div className="flex flex-col gap-2 sm:flex-row sm:items-center sm:justify-between">
                        <div className="min-w-0">
                          <div className="flex flex-wrap items-center gap-2">
                            <span className="font-medium">{c.name}</span>
                            <Badge>{c.type}</Badge>
                            {!c.is_active && <Badge>paused</Badge>}
                            {c.retrying > 0 && <Badge tone="amber">{c.retrying} retrying</Badge>}
                            {c.failed_24h > 0 && <Badge tone="red">{c.failed_24h} failed (24 h)</Badge>}
                          </div>
                          <p className="mt-1 truncate text-sm text-zinc-500">
                            {c.target}
                            {c.last_success_at && ` · last delivered ${timeAgo(c.last_success_at)}`}
                          </p>
                          {c.last_error && (
                            <p className="text-sm text-red-600">
                              Last error {timeAgo(c.last_error_at)}: {c.last_error}
                            </p>
                          )}
                          {tested[c.id] && <p className="text-sm">{tested[c.id]}</p>}
                        </div>
                        <div className="flex gap-2">
                          <Button size="sm" variant="secondary" onClick={() => setOpen(open === c.id ? null : c.id)}>
                            Deliveries
                          </Button>
                          {can("alerts:write") && (
                            <>
                              <Button size="sm" variant="secondary" disabled={action.pending} onClick={() => test(c)}>
                                <Send /> Send test
                              </Button>
                              <Button
                                size="sm"
                                variant="ghost"
                                aria-label={`Delete ${c.name}`}
                                onClick={() =>
                                  action.run(() => api.alertChannels.remove({ channelId: c.id }), "channels")
                                }
                              >
                                <Trash2 />
                              </Button>
                            </>
                          )}
                        </div>
                      </div>
                      {open === c.id && <Deliveries channel={c} />}
                    </CardContent>
                  </Card>
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
    </>
  );
}
