import { and, eq, inArray, ne, sql } from "drizzle-orm";
import { type Db, resultRows } from "../db/client";
import { alertIncidents, alerts, statusPages } from "../db/schema";
import { MONITOR_RESULTS, SERVICE_CHECKS, type UptimeSource } from "../uptime/rollups";
import { dailyUptime, uptimeOf } from "../uptime/uptime";
import { componentsOf, pageIncidents } from "./pages";

/** What the public sees of a component: never a service id, an address or an error message. */
export type ComponentState = "operational" | "degraded" | "partial_outage" | "major_outage" | "maintenance" | "unknown";

export interface PublicComponent {
  name: string;
  description: string;
  state: ComponentState;
  uptime90d: number | null;
  /** The last 90 days, oldest first: the share of passing checks, null without checks. */
  days: Array<{ date: string; uptime: number | null }>;
}

export interface PublicStatus {
  title: string;
  description: string;
  overall: ComponentState;
  components: PublicComponent[];
  active: Awaited<ReturnType<typeof pageIncidents>>;
  upcoming: Awaited<ReturnType<typeof pageIncidents>>;
  past: Awaited<ReturnType<typeof pageIncidents>>;
  /** Component id -> name, for the incidents' affected components. */
  componentNames: Map<string, string>;
  generatedAt: Date;
}

const SEVERITY: ComponentState[] = [
  "unknown",
  "operational",
  "maintenance",
  "degraded",
  "partial_outage",
  "major_outage",
];
const worst = (a: ComponentState, b: ComponentState) => (SEVERITY.indexOf(a) >= SEVERITY.indexOf(b) ? a : b);
const IMPACT_STATE = {
  none: "operational",
  minor: "degraded",
  major: "partial_outage",
  critical: "major_outage",
} as const;
const FAILURES_FOR_OUTAGE = 3;
const DAYS = 90;

/** The public status of a page by its slug; null for an unknown or private page. */
export async function publicStatus(db: Db, slug: string, now: Date): Promise<PublicStatus | null> {
  const [page] = await db.select().from(statusPages).where(eq(statusPages.slug, slug));
  if (!page?.isPublic) return null;
  const components = await componentsOf(db, page.id);
  const serviceIds = [...new Set(components.map((c) => c.serviceId).filter((id): id is string => id !== null))];
  const monitorIds = [...new Set(components.map((c) => c.monitorId).filter((id): id is string => id !== null))];
  const [uptime, daily, recent, downtime, incidents] = await Promise.all([
    merged(uptimeOf(db, serviceIds, now), uptimeOf(db, monitorIds, now, MONITOR_RESULTS)),
    merged(dailyUptime(db, serviceIds, DAYS, now), dailyUptime(db, monitorIds, DAYS, now, MONITOR_RESULTS)),
    merged(latestChecks(db, SERVICE_CHECKS, serviceIds, now), latestChecks(db, MONITOR_RESULTS, monitorIds, now)),
    openDowntime(db, serviceIds, monitorIds),
    pageIncidents(db, page.id, 100),
  ]);
  const isOpen = (i: (typeof incidents)[number]) => i.resolved_at === null;
  const maintenanceNow = (i: (typeof incidents)[number]) =>
    i.kind === "maintenance" &&
    isOpen(i) &&
    (i.status === "in_progress" ||
      (i.scheduled_start !== null &&
        Date.parse(i.scheduled_start) <= now.getTime() &&
        (i.scheduled_end === null || Date.parse(i.scheduled_end) > now.getTime())));
  const active = incidents.filter((i) => isOpen(i) && (i.kind === "incident" || maintenanceNow(i)));
  const upcoming = incidents.filter(
    (i) =>
      i.kind === "maintenance" &&
      isOpen(i) &&
      !maintenanceNow(i) &&
      i.scheduled_start !== null &&
      Date.parse(i.scheduled_start) > now.getTime(),
  );
  const past = incidents.filter(
    (i) => !isOpen(i) && Date.parse(i.resolved_at ?? i.created_at) > now.getTime() - 14 * 86_400_000,
  );
  const dayKeys = Array.from({ length: DAYS }, (_, i) => {
    const d = new Date(now.getTime() - (DAYS - 1 - i) * 86_400_000);
    return d.toISOString().slice(0, 10);
  });
  const out: PublicComponent[] = components.map((c) => {
    const target = c.serviceId ?? c.monitorId;
    let state: ComponentState = target ? "unknown" : "operational";
    if (target) {
      const checks = recent.get(target) ?? [];
      if (checks.length > 0) {
        const failing = checks.findIndex((h) => h);
        const streak = failing === -1 ? checks.length : failing;
        state = streak >= FAILURES_FOR_OUTAGE ? "major_outage" : streak > 0 ? "degraded" : "operational";
      }
      if (downtime.has(target)) state = worst(state, "major_outage");
    }
    for (const i of active) {
      if (!i.component_ids.includes(c.id)) continue;
      state = i.kind === "maintenance" ? worst(state, "maintenance") : worst(state, IMPACT_STATE[i.impact]);
    }
    const days = daily.get(target ?? "");
    return {
      name: c.name,
      description: c.description,
      state,
      uptime90d: target ? (uptime.get(target)?.["90d"] ?? null) : null,
      days: dayKeys.map((date) => {
        const d = days?.get(date);
        return { date, uptime: d && d.checks > 0 ? Math.round((d.healthy / d.checks) * 10_000) / 100 : null };
      }),
    };
  });
  return {
    title: page.title,
    description: page.description,
    overall: out.reduce<ComponentState>(
      (acc, c) => worst(acc, c.state === "unknown" ? "operational" : c.state),
      "operational",
    ),
    components: out,
    active,
    upcoming,
    past,
    componentNames: new Map(components.map((c) => [c.id, c.name])),
    generatedAt: now,
  };
}

/** Two maps of disjoint keys (services' and monitors') as one. */
async function merged<V>(a: Promise<Map<string, V>>, b: Promise<Map<string, V>>): Promise<Map<string, V>> {
  return new Map([...(await a), ...(await b)]);
}

/** The latest checks of each service or monitor (true = healthy), newest first, within the last hour. */
async function latestChecks(
  db: Db,
  src: UptimeSource,
  serviceIds: string[],
  now: Date,
): Promise<Map<string, boolean[]>> {
  const out = new Map<string, boolean[]>();
  if (serviceIds.length === 0) return out;
  const id = sql.raw(src.id);
  const rows = resultRows<{ service_id: string; is_healthy: boolean }>(
    await db.execute(sql`
      SELECT service_id, is_healthy FROM (
        SELECT ${id} AS service_id, ${sql.raw(src.healthy)} AS is_healthy,
               row_number() OVER (PARTITION BY ${id} ORDER BY checked_at DESC) AS rn
        FROM ${sql.raw(src.raw)} WHERE ${id} IN (${sql.join(
          serviceIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )}) AND checked_at > ${new Date(now.getTime() - 3_600_000).toISOString()} AND checked_at <= ${now.toISOString()}
      ) c WHERE rn <= ${FAILURES_FOR_OUTAGE} ORDER BY service_id, rn`),
  );
  for (const r of rows) out.set(r.service_id, [...(out.get(r.service_id) ?? []), r.is_healthy]);
  return out;
}

/** Services and monitors with an open downtime incident. */
async function openDowntime(db: Db, serviceIds: string[], monitorIds: string[]): Promise<Set<string>> {
  if (serviceIds.length === 0 && monitorIds.length === 0) return new Set();
  const target = sql<string>`coalesce(${alertIncidents.labels}->>'service_id', ${alertIncidents.labels}->>'monitor_id')`;
  const rows = await db
    .select({ id: target })
    .from(alertIncidents)
    .innerJoin(alerts, eq(alerts.id, alertIncidents.alertId))
    .where(
      and(
        eq(alerts.type, "downtime"),
        ne(alertIncidents.status, "resolved"),
        inArray(target, [...serviceIds, ...monitorIds]),
      ),
    );
  return new Set(rows.map((r) => r.id));
}
