import { randomUUID } from "node:crypto";
import type { MonitorResultsPayload, MonitorSpec } from "@syntra/contracts";
import { and, inArray, sql } from "drizzle-orm";
import { monitorResults, monitors } from "../db/schema";
import type { AppDeps } from "../deps";
import { monitorsOfServers } from "./monitors";

/**
 * Sends each online server its monitors (`configure_monitors`, the full list: monitors not listed stop), looked up
 * with one query for all of them. Offline servers get theirs when their agent is ready again. The answer is only
 * logged: nothing waits on an agent.
 */
export async function pushMonitors(
  deps: Pick<AppDeps, "db" | "agents" | "logger">,
  serverIds: Iterable<string>,
  opts: { skipEmpty?: boolean } = {},
): Promise<void> {
  const online = [...new Set(serverIds)].filter((id) => deps.agents.isOnline(id));
  let lists: Map<string, MonitorSpec[]>;
  try {
    lists = await monitorsOfServers(deps.db, online);
  } catch (err) {
    deps.logger.warn({ err, servers: online.length }, "monitors could not be looked up for the agents");
    return;
  }
  for (const [serverId, list] of lists) {
    if (list.length === 0 && opts.skipEmpty) continue;
    try {
      const ack = deps.agents.send(serverId, "configure_monitors", { request_id: randomUUID(), monitors: list });
      void deps.agents.track(
        ack.then(
          (r) => {
            if (!r.success) deps.logger.warn({ server_id: serverId, error: r.error }, "the agent refused its monitors");
          },
          (err: unknown) => deps.logger.info({ server_id: serverId, err }, "monitors not acknowledged"),
        ),
      );
    } catch (err) {
      deps.logger.warn({ err, server_id: serverId }, "monitors could not be sent to the agent");
    }
  }
}

/** Agents are ready: they get their monitors (hub dispatcher, agent_ready); an agent starts with none. */
export async function sendMonitorsOnAgentReady(deps: AppDeps, { serverIds }: { serverIds: string[] }): Promise<void> {
  await pushMonitors(deps, serverIds, { skipEmpty: true });
}

/**
 * Stores the results an agent reports for the monitors it runs; results of monitors not assigned to that server
 * (deleted, moved meanwhile) are dropped, a result sent twice is stored once. Results the agent could not keep
 * are logged with the count it reports.
 */
export async function storeMonitorResults(
  deps: AppDeps,
  serverId: string,
  payload: MonitorResultsPayload,
): Promise<void> {
  if (payload.dropped > 0) {
    deps.logger.warn(
      { server_id: serverId, dropped: payload.dropped },
      "the agent dropped monitor results (buffer full)",
    );
  }
  if (payload.results.length === 0) return;
  const ids = [...new Set(payload.results.map((r) => r.monitor_id))];
  const mine = await deps.db
    .select({ id: monitors.id })
    .from(monitors)
    .where(and(inArray(monitors.id, ids), sql`${serverId}::uuid = ANY(${monitors.serverIds})`));
  const allowed = new Set(mine.map((m) => m.id));
  const rows = payload.results
    .filter((r) => allowed.has(r.monitor_id))
    .map((r) => ({
      monitorId: r.monitor_id,
      serverId,
      checkedAt: new Date(r.checked_at),
      isUp: r.is_up,
      latencyMs: Math.round(r.latency_ms),
      statusCode: r.status_code ?? null,
      errorMessage: r.error ?? null,
      daysLeft: r.days_left ?? null,
    }));
  if (rows.length > 0) await deps.db.insert(monitorResults).values(rows).onConflictDoNothing();
}
