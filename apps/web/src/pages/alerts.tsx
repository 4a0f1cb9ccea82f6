import type { AlertIncident } from "@syntra/contracts";
import { BellOff, Check, CheckCheck } from "lucide-react";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { IncidentSummaryCard } from "../components/ai-incident-summary";
import { AlertsNav, toneOf } from "../components/alerts-nav";
import { PageHeader } from "../components/layout";
import { Empty, ErrorNote, QueryView } from "../components/states";
import { Badge } from "../components/ui/badge";
import { Button } from "../components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "../components/ui/card";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { dateTime, timeAgo } from "../lib/format";
import { useQuery } from "../lib/query";

const FILTERS = ["open", "firing", "acknowledged", "resolved"] as const;

function IncidentActions({ incident }: { incident: AlertIncident }) {
  const { can } = useAuth();
  const action = useAction();
  if (!can("alerts:write") || incident.status === "resolved") return null;
  return (
    <div className="flex flex-wrap items-center gap-2">
      {incident.status === "firing" && (
        <Button
          size="sm"
          variant="secondary"
          disabled={action.pending}
          onClick={() =>
            action.run(() => api.alerts.acknowledge({ incidentId: incident.id }), "incidents", "incident:")
          }
        >
          <Check /> Acknowledge
        </Button>
      )}
      <Button
        size="sm"
        variant="secondary"
        disabled={action.pending}
        onClick={() => action.run(() => api.alerts.resolve({ incidentId: incident.id }), "incidents", "incident:")}
      >
        <CheckCheck /> Resolve
      </Button>
      {action.error != null && <ErrorNote error={action.error} />}
    </div>
  );
}

function IncidentRow({ incident }: { incident: AlertIncident }) {
  return (
    <Card>
      <CardContent className="flex flex-col gap-2 pt-4 sm:flex-row sm:items-center sm:justify-between sm:pt-5">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <Badge tone={toneOf(incident.status)}>{incident.status}</Badge>
            <Badge tone={toneOf(incident.severity)}>{incident.severity}</Badge>
            {incident.silenced && (
              <Badge>
                <BellOff className="size-3" /> silenced
              </Badge>
            )}
            <Link to={`/alerts/incidents/${incident.id}`} className="truncate font-medium hover:underline">
              {incident.title}
            </Link>
          </div>
          <p className="mt-1 truncate text-sm text-zinc-500">
            {incident.rule_name} · fired {timeAgo(incident.fired_at)}
            {incident.resolved_at && ` · resolved ${timeAgo(incident.resolved_at)}`}
          </p>
        </div>
        <IncidentActions incident={incident} />
      </CardContent>
    </Card>
  );
}

/** /alerts: incidents, open first (firing or acknowledged), with acknowledge and resolve. */
export function AlertsPage() {
  const [status, setStatus] = useState<(typeof FILTERS)[number]>("open");
  const query = useQuery(`incidents:${status}`, () => api.alerts.incidents({ status, limit: 100 }));
  return (
    <>
      <PageHeader title="Alerts" description="Incidents of your alert rules: who was told, who took them." />
      <AlertsNav />
      <fieldset className="mb-4 flex flex-wrap gap-2" aria-label="Status">
        {FILTERS.map((f) => (
          <Button key={f} size="sm" variant={f === status ? "default" : "secondary"} onClick={() => setStatus(f)}>
            {f}
          </Button>
        ))}
      </fieldset>
      <QueryView query={query}>
        {(incidents) =>
          incidents.length === 0 ? (
            <Empty title={status === "open" ? "Nothing is firing" : `No ${status} incidents`}>
              Incidents appear here when a rule's condition holds past its pending period.
            </Empty>
          ) : (
            <ul className="grid gap-3">
              {incidents.map((i) => (
                <li key={i.id}>
                  <IncidentRow incident={i} />
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
    </>
  );
}

/** /alerts/incidents/:id: one incident with its facts and timeline. */
export function IncidentPage() {
  const { incidentId = "" } = useParams();
  const query = useQuery(`incident:${incidentId}`, () => api.alerts.incident({ incidentId }));
  return (
    <QueryView query={query}>
      {(i) => (
        <>
          <PageHeader
            title={i.title}
            description={i.rule_name}
            back={{ to: "/alerts", label: "Alerts" }}
            actions={<IncidentActions incident={i} />}
          />
          <Card>
            <CardHeader>
              <CardTitle className="flex flex-wrap gap-2">
                <Badge tone={toneOf(i.status)}>{i.status}</Badge>
                <Badge tone={toneOf(i.severity)}>{i.severity}</Badge>
                {i.silenced && <Badge>silenced</Badge>}
              </CardTitle>
            </CardHeader>
            <CardContent className="grid gap-3 text-sm">
              <p>{i.message}</p>
              <dl className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-1">
                <dt className="text-zinc-500">Fired</dt>
                <dd>{dateTime(i.fired_at)}</dd>
                <dt className="text-zinc-500">Acknowledged</dt>
                <dd>{i.acknowledged_at ? dateTime(i.acknowledged_at) : "—"}</dd>
                <dt className="text-zinc-500">Resolved</dt>
                <dd>
                  {i.resolved_at
                    ? `${dateTime(i.resolved_at)} ${i.resolved_by ? "(by hand)" : "(condition cleared)"}`
                    : "—"}
                </dd>
                <dt className="text-zinc-500">Notifications</dt>
                <dd>
                  {i.notification_count}
                  {i.last_notified_at && `, last ${timeAgo(i.last_notified_at)}`}
                </dd>
                {i.value !== null && (
                  <>
                    <dt className="text-zinc-500">Value</dt>
                    <dd>{i.value}</dd>
                  </>
                )}
                {i.labels.service_name && (
                  <>
                    <dt className="text-zinc-500">Service</dt>
                    <dd>
                      {i.labels.project_id && i.labels.service_id ? (
                        <Link
                          className="hover:underline"
                          to={`/projects/${i.labels.project_id}/services/${i.labels.service_id}`}
                        >
                          {i.labels.service_name}
                        </Link>
                      ) : (
                        i.labels.service_name
                      )}
                    </dd>
                  </>
                )}
                {i.labels.server_name && (
                  <>
                    <dt className="text-zinc-500">Server</dt>
                    <dd>{i.labels.server_name}</dd>
                  </>
                )}
              </dl>
            </CardContent>
          </Card>
          <IncidentSummaryCard incident={i} />
        </>
      )}
    </QueryView>
  );
}
