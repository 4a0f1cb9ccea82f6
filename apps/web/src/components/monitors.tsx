import { createMonitorBody, type Monitor } from "@syntra/contracts";
import { Trash2 } from "lucide-react";
import { useState } from "react";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { formValues, useSubmit } from "../lib/form";
import { timeAgo } from "../lib/format";
import { invalidate, useQuery } from "../lib/query";
import { Field, invalid } from "./field";
import { Choices, NewItemCard } from "./new-item-card";
import { Empty, ErrorNote, QueryView } from "./states";
import { Badge } from "./ui/badge";
import { Button } from "./ui/button";
import { Card, CardContent } from "./ui/card";
import { Input, Select } from "./ui/input";

type CheckType = "http" | "tcp" | "dns" | "tls";

function checkOf(type: CheckType, v: Record<string, string>): unknown {
  switch (type) {
    case "http":
      return { type, url: v.target, ...(v.keyword ? { keyword: v.keyword } : {}) };
    case "tcp": {
      const [host, port] = (v.target ?? "").split(/:(?=\d+$)/);
      return { type, host, port: Number(port) };
    }
    case "dns":
      return { type, hostname: v.target, ...(v.keyword ? { expected: v.keyword } : {}) };
    case "tls":
      return { type, host: v.target };
    default:
      return {};
  }
}

/** What a monitor checks, in a line. */
function checkText(m: Monitor): string {
  const c = m.check;
  switch (c.type) {
    case "http":
      return `${c.method} ${c.url}${c.keyword ? ` contains "${c.keyword}"` : ""}`;
    case "tcp":
      return `TCP ${c.host}:${c.port}`;
    case "dns":
      return `DNS ${c.record_type} ${c.hostname}${c.expected ? ` = ${c.expected}` : ""}`;
    case "tls":
      return `TLS ${c.host}:${c.port}, more than ${c.min_days_left} days left`;
    default:
      return "";
  }
}

function NewMonitor({ onDone }: { onDone(): void }) {
  const [type, setType] = useState<CheckType>("http");
  const [servers, setServers] = useState<string[]>([]);
  const serverList = useQuery("servers", () => api.servers.list({ per_page: 100 }));
  const form = useSubmit(createMonitorBody, async (body) => {
    await api.monitors.create(body);
    invalidate("monitors");
    onDone();
  });
  return (
    <NewItemCard
      title="New monitor"
      className="mb-4"
      form={form}
      submit={{ label: "Add monitor", pending: "Adding…" }}
      onSubmit={(e) => {
        const v = formValues(e);
        void form.submit({
          name: v.name,
          check: checkOf(type, v),
          interval_seconds: Number(v.interval || 60),
          server_ids: servers,
        });
      }}
    >
      <Field id="monitor-name" label="Name" error={form.errors.name}>
        <Input placeholder="Public site" {...invalid("name", form.errors.name)} id="monitor-name" />
      </Field>
      <Field id="monitor-type" label="Check">
        <Select id="monitor-type" value={type} onChange={(e) => setType(e.target.value as CheckType)}>
          <option value="http">HTTP(S): status, keyword</option>
          <option value="tcp">TCP port</option>
          <option value="dns">DNS record</option>
          <option value="tls">TLS certificate expiry</option>
        </Select>
      </Field>
      <Field
        id="target"
        label={type === "http" ? "URL" : type === "tcp" ? "host:port" : type === "dns" ? "Host name" : "Host"}
        error={Object.entries(form.errors).find(([k]) => k.startsWith("check."))?.[1]}
      >
        <Input {...invalid("target")} />
      </Field>
      {(type === "http" || type === "dns") && (
        <Field id="keyword" label={type === "http" ? "Keyword (optional)" : "Expected value (optional)"}>
          <Input {...invalid("keyword")} />
        </Field>
      )}
      <Field id="interval" label="Every (seconds)">
        <Input type="number" defaultValue={60} {...invalid("interval")} />
      </Field>
      <Choices
        legend="Checked from"
        options={serverList.data ?? []}
        keyOf={(s) => s.id}
        chosen={servers}
        onChange={setServers}
        error={form.errors.server_ids}
      >
        {(s) => s.name}
      </Choices>
    </NewItemCard>
  );
}

/** Uptime monitors run by the servers' agents: their state, uptime, and a form for a new one. */
export function Monitors() {
  const { can } = useAuth();
  const [adding, setAdding] = useState(false);
  const query = useQuery("monitors", () => api.monitors.list());
  const action = useAction();
  return (
    <section className="mb-8">
      <div className="mb-3 flex items-center justify-between">
        <h2 className="text-lg font-semibold">Monitors</h2>
        {can("alerts:write") && !adding && (
          <Button size="sm" onClick={() => setAdding(true)}>
            Add monitor
          </Button>
        )}
      </div>
      {adding && <NewMonitor onDone={() => setAdding(false)} />}
      {action.error != null && <ErrorNote error={action.error} />}
      <QueryView query={query}>
        {(monitors) =>
          monitors.length === 0 ? (
            <Empty title="No monitors yet">Check a URL, a port, a DNS record or a certificate from your servers.</Empty>
          ) : (
            <ul className="grid gap-3">
              {monitors.map((m) => (
                <li key={m.id}>
                  <Card>
                    <CardContent className="flex flex-col gap-2 pt-4 sm:flex-row sm:items-center sm:justify-between sm:pt-5">
                      <div className="min-w-0">
                        <div className="flex flex-wrap items-center gap-2">
                          <span className="font-medium">{m.name}</span>
                          {m.latest ? (
                            <Badge tone={m.latest.is_up ? "green" : "red"}>{m.latest.is_up ? "up" : "down"}</Badge>
                          ) : (
                            <Badge>no result yet</Badge>
                          )}
                          <span className="text-sm text-zinc-500">
                            24h {m.uptime["24h"] ?? "—"}% · 30d {m.uptime["30d"] ?? "—"}%
                          </span>
                        </div>
                        <p className="mt-1 truncate text-sm text-zinc-500">
                          {checkText(m)} · every {m.interval_seconds} s
                          {m.latest && ` · ${m.latest.latency_ms} ms ${timeAgo(m.latest.checked_at)}`}
                        </p>
                        {m.latest?.error && <p className="text-sm text-red-600">{m.latest.error}</p>}
                      </div>
                      {can("alerts:write") && (
                        <Button
                          size="sm"
                          variant="ghost"
                          aria-label={`Delete ${m.name}`}
                          onClick={() => action.run(() => api.monitors.remove({ monitorId: m.id }), "monitors")}
                        >
                          <Trash2 />
                        </Button>
                      )}
                    </CardContent>
                  </Card>
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
    </section>
  );
}
