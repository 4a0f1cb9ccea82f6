import type { AgentHubWiring } from "../../agents/hub-events";
import type { AppDeps } from "../../deps";
import { ingestBatchErrors } from "../../issues/batch-errors";
import { ingestKeysForServer, ingestKeysForServers, type ServerIngestKey } from "../ingest-keys";
import { recordAgentTelemetryStats } from "./agent-stats";
import { type ErrorEventsHook, ingestTelemetryBatch } from "./batch-ingest";

/**
 * The telemetry domain's answers to the agent hub: telemetry batches (stored, then acknowledged; their error
 * events, span exception events and error log records grouped into issues) and the ingest keys each agent accepts.
 */
export function telemetryHubAnswers(
  deps: AppDeps,
): Pick<AgentHubWiring, "telemetryBatch" | "ingestKeys" | "ingestKeysOf"> {
  return {
    telemetryBatch: async (server, batch) => {
      const onErrorEvents: ErrorEventsHook = async ({ errors, spans, logs }) => {
        await ingestBatchErrors(deps, { serverId: server.id }, { errors, traces: spans, logs });
      };
      const ack = await ingestTelemetryBatch(
        { db: deps.db, telemetry: deps.telemetry, logger: deps.logger, now: deps.now, onErrorEvents },
        { serverId: server.id, orgId: server.orgId },
        batch,
      );
      if (batch.stats) await recordAgentTelemetryStats(deps.db, server.id, batch.stats, deps.now());
      return ack;
    },
    ingestKeys: async (serverId) => (await ingestKeysForServer(deps.db, serverId, deps.now())).map(grant),
    ingestKeysOf: async (serverIds) => {
      const byServer = await ingestKeysForServers(deps.db, serverIds, deps.now());
      return new Map(serverIds.map((id) => [id, (byServer.get(id) ?? []).map(grant)]));
    },
  };
}

function grant(k: ServerIngestKey) {
  return { key: k.key, service_id: k.serviceId, expires_at: k.expiresAt?.toISOString() ?? null };
}
