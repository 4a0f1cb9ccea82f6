import { type AlertEventKind, type AlertRule, alertEventKinds, createAlertRuleBody } from "@syntra/contracts";
import { Trash2 } from "lucide-react";
import { useState } from "react";
import { AlertsNav, toneOf } from "../components/alerts-nav";
import { Field, invalid } from "../components/field";
import { PageHeader } from "../components/layout";
import { Choices, NewItemCard } from "../components/new-item-card";
import { Empty, ErrorNote, QueryView } from "../components/states";
import { Badge } from "../components/ui/badge";
import { Button } from "../components/ui/button";
import { Card, CardContent } from "../components/ui/card";
import { Input, Select } from "../components/ui/input";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { formValues, useSubmit } from "../lib/form";
import { timeAgo } from "../lib/format";
import { invalidate, useQuery } from "../lib/query";

const TYPES = {
  error_rate: "Error rate",
  latency: "Latency",
  downtime: "Downtime",
  event: "Events",
  custom: "Custom metric",
  anomaly: "Anomaly (AI engine)",
} as const;

/** What a rule watches, in a line. */
function conditionText(rule: AlertRule): string {
  const c = rule.condition as Record<string, unknown>;
  switch (rule.type) {
    case "error_rate":
      return c.measure === "failed_requests_percent"
        ? `failed requests ${c.operator} ${c.threshold}% over ${Number(c.window_seconds) / 60} min`
        : `error events ${c.operator} ${c.threshold} in ${Number(c.window_seconds) / 60} min`;
    case "latency":
      return `${c.percentile} ${c.operator} ${c.threshold_ms} ms over ${Number(c.window_seconds) / 60} min`;
    case "downtime":
      return `${c.consecutive_failures} failed health checks in a row`;
    case "event":
      return ((c.events as string[]) ?? []).join(", ");
    case "custom":
      return `${c.aggregation}(${c.metric}) ${c.operator} ${c.threshold}`;
    case "anomaly":
      return `${c.signal} departs from its baseline`;
    default:
      return "";
  }
}

function conditionOf(type: keyof typeof TYPES, v: Record<string, string>, events: AlertEventKind[]): unknown {
  const num = (k: string) => (v[k] === undefined || v[k] === "" ? undefined : Number(v[k]));
  const minutes = num("window_minutes");
  const window_seconds = minutes === undefined ? undefined : minutes * 60;
  switch (type) {
    case "error_rate":
      return { measure: v.measure, threshold: num("threshold"), window_seconds };
    case "latency":
      return { percentile: v.percentile, threshold_ms: num("threshold"), window_seconds };
    case "downtime":
      return { consecutive_failures: num("consecutive_failures") };
    case "event":
      return { events };
    case "custom":
      return {
        source: v.source,
        metric: v.metric,
        aggregation: v.aggregation,
        threshold: num("threshold"),
        window_seconds,
      };
    case "anomaly":
      return { signal: v.signal };
    default:
      return {};
  }
}

function NewRule({ onDone }: { onDone(): void }) {
  const [type, setType] = useState<keyof typeof TYPES>("error_rate");
  const [events, setEvents] = useState<AlertEventKind[]>(["server_offline", "deployment_failed"]);
  const [channels, setChannels] = useState<string[]>([]);
  const channelList = useQuery("channels", () => api.alertChannels.list());
  const services = useQuery("services:all", () => api.services.list({}));
  const form = useSubmit(createAlertRuleBody, async (body) => {
    await api.alerts.create(body);
    invalidate("rules");
    onDone();
  });
  return (
    <NewItemCard
      title="New rule"
      form={form}
      submit={{ label: "Create rule", pending: "Creating…" }}
      onSubmit={(e) => {
        const v = formValues(e);
        const service = services.data?.find((s) => s.id === v.service_id);
        void form.submit({
          name: v.name,
          type,
          severity: v.severity,
          ...(service ? { service_id: service.id } : {}),
          for_seconds: Number(v.for_minutes || 0) * 60,
          repeat_interval_seconds: Number(v.repeat_hours || 0) * 3600,
          channel_ids: channels,
          condition: conditionOf(type, v, events),
        });
      }}
    >
      <Field id="name" label="Name" error={form.errors.name}>
        <Input placeholder="Checkout errors" {...invalid("name", form.errors.name)} />
      </Field>
      <Field id="type" label="Type">
        <Select id="type" value={type} onChange={(e) => setType(e.target.value as keyof typeof TYPES)}>
          {Object.entries(TYPES).map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </Select>
      </Field>
      <Field id="service_id" label="Service" hint="None: every service of the organization">
        <Select {...invalid("service_id", form.errors.service_id)}>
          <option value="">All services</option>
          {(services.data ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.project.name} / {s.name}
            </option>
          ))}
        </Select>
      </Field>
      <Field id="severity" label="Severity">
        <Select id="severity" name="severity" defaultValue="warning">
          <option value="critical">critical</option>
          <option value="warning">warning</option>
          <option value="info">info</option>
        </Select>
      </Field>
      {type === "error_rate" && (
        <Field id="measure" label="Measure">
          <Select id="measure" name="measure">
            <option value="events">Error events in the window</option>
            <option value="failed_requests_percent">% of requests failing</option>
          </Select>
        </Field>
      )}
      {type === "latency" && (
        <Field id="percentile" label="Percentile">
          <Select id="percentile" name="percentile" defaultValue="p95">
            {["p50", "p90", "p95", "p99"].map((p) => (
              <option key={p}>{p}</option>
            ))}
          </Select>
        </Field>
      )}
      {type === "custom" && (
        <>
          <Field id="source" label="Source">
            <Select id="source" name="source">
              <option value="service_metric">A metric the service sends</option>
              <option value="server_metric">
                A server resource (cpu_percent, memory_used_percent, disk_used_percent)
              </option>
            </Select>
          </Field>
          <Field id="metric" label="Metric" error={form.errors["condition.metric"]}>
            <Input placeholder="queue_depth" {...invalid("metric", form.errors["condition.metric"])} />
          </Field>
          <Field id="aggregation" label="Aggregation">
            <Select id="aggregation" name="aggregation">
              {["avg", "min", "max", "sum", "count", "last"].map((a) => (
                <option key={a}>{a}</option>
              ))}
            </Select>
          </Field>
        </>
      )}
      {type === "anomaly" && (
        <Field id="signal" label="Signal" hint="Judged against the service's own 7-day baseline">
          <Select id="signal" name="signal">
            <option value="error_rate">error rate</option>
            <option value="latency_p95">p95 latency</option>
            <option value="request_rate">request rate</option>
            <option value="cpu">CPU (busiest container)</option>
            <option value="memory">memory (busiest container)</option>
          </Select>
        </Field>
      )}
      {(type === "error_rate" || type === "latency" || type === "custom") && (
        <>
          <Field
            id="threshold"
            label={type === "latency" ? "Above (ms)" : "Above"}
            error={form.errors["condition.threshold"] ?? form.errors["condition.threshold_ms"]}
          >
            <Input type="number" {...invalid("threshold")} defaultValue={type === "latency" ? 1000 : 10} />
          </Field>
          <Field id="window_minutes" label="Window (minutes)">
            <Input type="number" {...invalid("window_minutes")} defaultValue={5} />
          </Field>
        </>
      )}
      {type === "downtime" && (
        <Field id="consecutive_failures" label="Failed checks in a row">
          <Input type="number" {...invalid("consecutive_failures")} defaultValue={3} />
        </Field>
      )}
      {type === "event" && (
        <Choices
          legend="Events"
          options={alertEventKinds}
          keyOf={(k) => k}
          chosen={events}
          onChange={(kinds) => setEvents(kinds as AlertEventKind[])}
        >
          {(k) => k.replaceAll("_", " ")}
        </Choices>
      )}
      <Field
        id="for_minutes"
        label="Pending period (minutes)"
        hint="The condition must hold this long: blips fire nothing"
      >
        <Input type="number" {...invalid("for_minutes")} defaultValue={type === "event" ? 0 : 2} />
      </Field>
      <Field id="repeat_hours" label="Remind every (hours, 0: never)">
        <Input type="number" {...invalid("repeat_hours")} defaultValue={4} />
      </Field>
      <Choices
        legend="Notify"
        options={channelList.data ?? []}
        keyOf={(c) => c.id}
        chosen={channels}
        onChange={setChannels}
        empty="Add a channel first (Channels tab)."
      >
        {(c) => (
          <>
            {c.name} <span className="text-zinc-500">({c.type})</span>
          </>
        )}
      </Choices>
    </NewItemCard>
  );
}

/** /alerts/rules: the organization's rules, their state, and a form for a new one. */
export function AlertRulesPage() {
  const { can } = useAuth();
  const [adding, setAdding] = useState(false);
  const query = useQuery("rules", () => api.alerts.list({}));
  const action = useAction();
  return (
    <>
      <PageHeader
        title="Alerts"
        description="Rules evaluated on a schedule from your telemetry, health checks and events."
        actions={can("alerts:write") && !adding && <Button onClick={() => setAdding(true)}>New rule</Button>}
      />
      <AlertsNav />
      {adding && <NewRule onDone={() => setAdding(false)} />}
      {action.error != null && <ErrorNote error={action.error} />}
      <QueryView query={query}>
        {(rules) =>
          rules.length === 0 ? (
            <Empty title="No rules yet">
              Add a rule: an error rate, a latency, downtime, or events such as a failed deploy.
            </Empty>
          ) : (
            <ul className="grid gap-3">
              {rules.map((r) => (
                <li key={r.id}>
                  <Card>
                    <CardContent className="flex flex-col gap-2 pt-4 sm:flex-row sm:items-center sm:justify-between sm:pt-5">
                      <div className="min-w-0">
                        <div className="flex flex-wrap items-center gap-2">
                          <span className="font-medium">{r.name}</span>
                          <Badge tone={toneOf(r.severity)}>{r.severity}</Badge>
                          <Badge>{TYPES[r.type]}</Badge>
                          {r.firing > 0 && <Badge tone="red">{r.firing} firing</Badge>}
                          {r.pending > 0 && <Badge tone="amber">{r.pending} pending</Badge>}
                          {!r.is_active && <Badge>paused</Badge>}
                        </div>
                        <p className="mt-1 truncate text-sm text-zinc-500">
                          {conditionText(r)} · evaluated {timeAgo(r.last_evaluated_at)}
                          {r.last_error && <span className="text-red-600"> · {r.last_error}</span>}
                        </p>
                      </div>
                      {can("alerts:write") && (
                        <div className="flex gap-2">
                          <Button
                            size="sm"
                            variant="secondary"
                            onClick={() =>
                              action.run(() => api.alerts.update({ alertId: r.id, is_active: !r.is_active }), "rules")
                            }
                          >
                            {r.is_active ? "Pause" : "Resume"}
                          </Button>
                          <Button
                            size="sm"
                            variant="ghost"
                            aria-label={`Delete ${r.name}`}
                            onClick={() => action.run(() => api.alerts.remove({ alertId: r.id }), "rules")}
                          >
                            <Trash2 />
                          </Button>
                        </div>
                      )}
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
