import type { AgentTelemetryStats, ServerTelemetry } from "@syntra/contracts";
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { serverTelemetryStats } from "../../db/schema";

/** Keeps the latest pipeline counters an agent reported (they are cumulative: the newest report wins). */
export async function recordAgentTelemetryStats(
  db: Db,
  serverId: string,
  stats: AgentTelemetryStats,
  now: Date,
): Promise<void> {
  const values = {
    receivedSpans: stats.received_spans,
    receivedLogRecords: stats.received_log_records,
    receivedMetricPoints: stats.received_metric_points,
    droppedSpans: stats.dropped_spans,
    droppedLogRecords: stats.dropped_log_records,
    droppedMetricPoints: stats.dropped_metric_points,
    droppedBytes: stats.dropped_bytes,
    sampledOutSpans: stats.sampled_out_spans,
    refusedRequests: stats.refused_requests,
    bufferedBytes: stats.buffered_bytes,
    bufferLimitBytes: stats.buffer_limit_bytes,
    oldestBufferedAt: stats.oldest_buffered_at ? new Date(stats.oldest_buffered_at) : null,
    reportedAt: now,
  };
  await db
    .insert(serverTelemetryStats)
    .values({ serverId, ...values })
    .onConflictDoUpdate({ target: serverTelemetryStats.serverId, set: values });
}

/** The server's latest report, or zeros when its agent has sent none (the caller has checked the server's scope). */
export async function serverTelemetry(db: Db, serverId: string): Promise<ServerTelemetry> {
  const [row] = await db.select().from(serverTelemetryStats).where(eq(serverTelemetryStats.serverId, serverId));
  return {
    received_spans: row?.receivedSpans ?? 0,
    received_log_records: row?.receivedLogRecords ?? 0,
    received_metric_points: row?.receivedMetricPoints ?? 0,
    dropped_spans: row?.droppedSpans ?? 0,
    dropped_log_records: row?.droppedLogRecords ?? 0,
    dropped_metric_points: row?.droppedMetricPoints ?? 0,
    dropped_bytes: row?.droppedBytes ?? 0,
    sampled_out_spans: row?.sampledOutSpans ?? 0,
    refused_requests: row?.refusedRequests ?? 0,
    buffered_bytes: row?.bufferedBytes ?? 0,
    buffer_limit_bytes: row?.bufferLimitBytes ?? 0,
    oldest_buffered_at: row?.oldestBufferedAt?.toISOString() ?? null,
    reported_at: row?.reportedAt.toISOString() ?? null,
  };
}
