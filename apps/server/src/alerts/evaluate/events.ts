import type { AlertEventKind, AlertLabels, EventCondition } from "@syntra/contracts";
import { sql } from "drizzle-orm";
import { type Db, resultRows } from "../../db/client";
import { type GroupResult, type RuleInput, type RuleSource, type ScopeService, serviceLabels } from "./types";

/** How long an agent's alert stays active: agents repeat a lasting condition every 10 minutes. */
export const AGENT_ALERT_ACTIVE_MS = 15 * 60_000;

const uuids = (ids: Iterable<string>) =>
  sql.join(
    [...ids].map((id) => sql`${id}::uuid`),
    sql`, `,
  );

interface Facts {
  issues: Array<{
    id: string;
    service_id: string;
    title: string;
    status: string;
    first_seen_at: Date;
    regressed_at: Date | null;
  }>;
  deployments: Array<{
    id: string;
    service_id: string;
    status: string;
    error_message: string | null;
    finished_at: Date | null;
  }>;
  domains: Array<{
    domain: string;
    service_id: string;
    status: string;
    not_after: Date | null;
    error_code: string | null;
  }>;
  servers: Array<{ id: string; org_id: string; name: string; status: string; last_heartbeat_at: Date | null }>;
  agentAlerts: Array<{
    server_id: string;
    service_id: string | null;
    type: string;
    title: string;
    message: string;
    received_at: Date;
  }>;
}

const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));

/** Reads what the event kinds of the batch need, one query per kind for all rules. */
async function loadFacts(db: Db, rules: RuleInput<EventCondition>[], now: Date): Promise<Facts> {
  const wanted = new Set(rules.flatMap((r) => r.condition.events));
  const serviceIds = new Set(rules.flatMap((r) => r.services.map((s) => s.id)));
  const orgIds = new Set(rules.map((r) => r.rule.orgId));
  const since = new Date(Math.min(...rules.map((r) => (r.rule.createdAt ?? now).getTime()))).toISOString();
  const facts: Facts = { issues: [], deployments: [], domains: [], servers: [], agentAlerts: [] };
  const anyService = serviceIds.size > 0;
  if (anyService && (wanted.has("issue_new") || wanted.has("issue_regressed"))) {
    facts.issues = resultRows<Facts["issues"][number]>(
      await db.execute(sql`
        SELECT id, service_id, title, status, first_seen_at, regressed_at FROM error_groups
        WHERE service_id IN (${uuids(serviceIds)})
          AND ((status = 'unresolved' AND first_seen_at >= ${since}) OR (status = 'regressed' AND regressed_at >= ${since}))`),
    ).map((r) => ({ ...r, first_seen_at: new Date(r.first_seen_at), regressed_at: date(r.regressed_at) }));
  }
  if (anyService && wanted.has("deployment_failed")) {
    facts.deployments = resultRows<Facts["deployments"][number]>(
      await db.execute(sql`
        SELECT DISTINCT ON (service_id) id, service_id, status, error_message, finished_at FROM deployments
        WHERE service_id IN (${uuids(serviceIds)}) AND status IN ('running', 'failed', 'rolled_back')
        ORDER BY service_id, created_at DESC, id DESC`),
    ).map((r) => ({ ...r, finished_at: date(r.finished_at) }));
  }
  if (anyService && (wanted.has("certificate_expiring") || wanted.has("certificate_failed"))) {
    facts.domains = resultRows<Facts["domains"][number]>(
      await db.execute(sql`
        SELECT domain, service_id, status, certificate_not_after AS not_after, certificate_error_code AS error_code
        FROM domains WHERE service_id IN (${uuids(serviceIds)}) AND status IN ('active', 'failed')`),
    ).map((r) => ({ ...r, not_after: date(r.not_after) }));
  }
  if (wanted.has("server_offline") || wanted.has("resource_critical") || wanted.has("container_crash")) {
    facts.servers = resultRows<Facts["servers"][number]>(
      await db.execute(sql`
        SELECT id, org_id, name, status, last_heartbeat_at FROM servers WHERE org_id IN (${uuids(orgIds)})`),
    ).map((r) => ({ ...r, last_heartbeat_at: date(r.last_heartbeat_at) }));
  }
  if ((wanted.has("resource_critical") || wanted.has("container_crash")) && facts.servers.length > 0) {
    const recent = new Date(now.getTime() - AGENT_ALERT_ACTIVE_MS).toISOString();
    facts.agentAlerts = resultRows<Facts["agentAlerts"][number]>(
      await db.execute(sql`
        SELECT server_id, service_id, type, title, message, received_at FROM agent_alerts
        WHERE server_id IN (${uuids(facts.servers.map((s) => s.id))}) AND received_at > ${recent}
          AND type IN ('resource_critical', 'container_crash')
        ORDER BY received_at DESC`),
    ).map((r) => ({ ...r, received_at: new Date(r.received_at) }));
  }
  return facts;
}

/** The servers a rule covers: its organization's for an organization-wide rule, else those of its services. */
function serversOf(r: RuleInput<EventCondition>, facts: Facts) {
  const org = facts.servers.filter((s) => s.org_id === r.rule.orgId);
  if (r.rule.projectId === null && r.rule.serviceId === null) return org;
  const used = new Set(r.services.map((s) => s.serverId));
  return org.filter((s) => used.has(s.id));
}

function eventsOf(kind: AlertEventKind, r: RuleInput<EventCondition>, facts: Facts, now: Date): GroupResult[] {
  const created = r.rule.createdAt ?? now;
  const byId = new Map<string, ScopeService>(r.services.map((s) => [s.id, s]));
  const serviceEvent = (serviceId: string, rest: Omit<GroupResult, "labels" | "value"> & { labels?: AlertLabels }) => {
    const s = byId.get(serviceId);
    return s ? [{ value: null, ...rest, labels: { ...serviceLabels(s), ...rest.labels } }] : [];
  };
  switch (kind) {
    case "issue_new":
      return facts.issues
        .filter((i) => i.status === "unresolved" && i.first_seen_at >= created)
        .flatMap((i) =>
          serviceEvent(i.service_id, {
            key: `issue:${i.id}`,
            active: true,
            title: `New issue in ${byId.get(i.service_id)?.name}: ${i.title}`,
            message: i.title,
            labels: { issue_id: i.id },
          }),
        );
    case "issue_regressed":
      return facts.issues
        .filter((i) => i.status === "regressed" && i.regressed_at && i.regressed_at >= created)
        .flatMap((i) =>
          serviceEvent(i.service_id, {
            key: `issue:${i.id}`,
            active: true,
            title: `Regression in ${byId.get(i.service_id)?.name}: ${i.title}`,
            message: `A resolved issue is back: ${i.title}`,
            labels: { issue_id: i.id },
          }),
        );
    case "deployment_failed":
      return facts.deployments
        .filter((d) => d.status !== "running" && (d.finished_at ?? now) >= created)
        .flatMap((d) =>
          serviceEvent(d.service_id, {
            key: `deployment:${d.service_id}`,
            active: true,
            title: `Deployment of ${byId.get(d.service_id)?.name} ${d.status === "rolled_back" ? "rolled back" : "failed"}`,
            message: d.error_message ?? `The deployment ${d.status === "rolled_back" ? "was rolled back" : "failed"}.`,
            labels: { deployment_id: d.id },
          }),
        );
    case "certificate_expiring": {
      const limit = now.getTime() + r.condition.certificate_days * 86_400_000;
      return facts.domains
        .filter((d) => d.status === "active" && d.not_after && d.not_after.getTime() < limit)
        .flatMap((d) => {
          const days = Math.max(0, Math.floor(((d.not_after as Date).getTime() - now.getTime()) / 86_400_000));
          return serviceEvent(d.service_id, {
            key: `certificate-expiring:${d.domain}`,
            active: true,
            title: `Certificate of ${d.domain} expires in ${days} day${days === 1 ? "" : "s"}`,
            message: `The certificate of ${d.domain} expires on ${(d.not_after as Date).toISOString()}.`,
            labels: { domain: d.domain },
          });
        });
    }
    case "certificate_failed":
      return facts.domains
        .filter((d) => d.status === "failed")
        .flatMap((d) =>
          serviceEvent(d.service_id, {
            key: `certificate-failed:${d.domain}`,
            active: true,
            title: `No certificate for ${d.domain}`,
            message: `The certificate of ${d.domain} could not be obtained${d.error_code ? ` (${d.error_code})` : ""}.`,
            labels: { domain: d.domain },
          }),
        );
    case "server_offline":
      return serversOf(r, facts)
        .filter((s) => s.status === "offline" && s.last_heartbeat_at !== null)
        .map((s) => ({
          key: `server:${s.id}`,
          active: true,
          value: null,
          title: `Server ${s.name} is offline`,
          message: `The agent of ${s.name} stopped answering (last heartbeat ${s.last_heartbeat_at?.toISOString()}).`,
          labels: { server_id: s.id, server_name: s.name },
        }));
    case "resource_critical":
    case "container_crash": {
      const servers = new Map(serversOf(r, facts).map((s) => [s.id, s]));
      const seen = new Set<string>();
      const out: GroupResult[] = [];
      for (const a of facts.agentAlerts) {
        const server = servers.get(a.server_id);
        if (a.type !== kind || !server) continue;
        if (kind === "container_crash" && (!a.service_id || !byId.has(a.service_id))) continue;
        const key = kind === "container_crash" ? `crash:${a.service_id}` : `resources:${a.server_id}:${a.title}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const s = a.service_id ? byId.get(a.service_id) : undefined;
        out.push({
          key,
          active: true,
          value: null,
          title: s ? `${s.name}: ${a.title}` : `${server.name}: ${a.title}`,
          message: a.message,
          labels: s ? serviceLabels(s) : { server_id: server.id, server_name: server.name },
        });
      }
      return out;
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown event ${String(never)}`);
    }
  }
}

/**
 * `event`: things that happened, read from where Syntra keeps them (issues, deployments, domains, servers, the agents'
 * alerts). Each lasts as long as what it reports: a new issue until it is resolved or ignored, a failed deployment
 * until the service's next one runs, an offline server until it is back, an agent's alert until the agent stops
 * repeating it. So every event incident resolves by itself, like any other alert.
 */
export const evaluateEvents: RuleSource<EventCondition> = async (deps, rules, now) => {
  const facts = await loadFacts(deps.db, rules, now);
  return new Map(rules.map((r) => [r.rule.id, r.condition.events.flatMap((kind) => eventsOf(kind, r, facts, now))]));
};
