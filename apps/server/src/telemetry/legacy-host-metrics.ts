import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { resultRows } from "../db/client";
import { hostMetricRows } from "./host-metrics";
import type { TelemetryStore } from "./store/types";

interface LegacyRow {
  id: string;
  server_id: string;
  org_id: string;
  recorded_at: string | Date;
  cpu_percent: number;
  memory_used_mb: number;
  memory_available_mb: number;
  disk_used_gb: number;
  disk_available_gb: number;
  network_rx_bytes: string | number;
  network_tx_bytes: string | number;
}

/**
 * Copies the host metrics recorded in PostgreSQL before migration 0031 into the telemetry store, oldest first, a
 * chunk per transaction, then drops the table; resolves with how many samples it moved (0 once done, or on a fresh
 * installation after the first start). A chunk is deleted in the transaction that read it, after the store took its
 * rows under a token named by the chunk's ids: a crash in between re-sends the same chunk with the same token, so
 * nothing is lost and the store keeps it once. Rows are locked SKIP LOCKED, so replicas starting together share the
 * work instead of copying twice.
 */
export async function moveLegacyHostMetrics(
  deps: { db: Db; telemetry: Pick<TelemetryStore, "insert"> },
  chunk = 5_000,
): Promise<number> {
  const present = async () =>
    resultRows<{ present: boolean }>(
      await deps.db.execute(sql`SELECT to_regclass('server_metrics_legacy') IS NOT NULL AS present`),
    )[0]?.present === true;
  if (!(await present())) return 0;
  let moved = 0;
  for (;;) {
    const copied = await deps.db.transaction(async (tx) => {
      const rows = resultRows<LegacyRow>(
        await tx.execute(sql`
          SELECT m.id::text AS id, m.server_id, s.org_id, m.recorded_at, m.cpu_percent, m.memory_used_mb,
            m.memory_available_mb, m.disk_used_gb, m.disk_available_gb, m.network_rx_bytes, m.network_tx_bytes
          FROM server_metrics_legacy m JOIN servers s ON s.id = m.server_id
          ORDER BY m.id LIMIT ${chunk} FOR UPDATE OF m SKIP LOCKED`),
      );
      if (rows.length === 0) return 0;
      const metrics = rows.flatMap((r) =>
        hostMetricRows(
          { id: r.server_id, orgId: r.org_id },
          {
            cpu_usage_percent: r.cpu_percent,
            memory_used_mb: r.memory_used_mb,
            memory_available_mb: r.memory_available_mb,
            disk_used_gb: r.disk_used_gb,
            disk_available_gb: r.disk_available_gb,
            network_rx_bytes: Number(r.network_rx_bytes),
            network_tx_bytes: Number(r.network_tx_bytes),
          },
          new Date(r.recorded_at),
        ),
      );
      const first = rows[0]?.id;
      const last = rows[rows.length - 1]?.id;
      await deps.telemetry.insert(
        { spans: [], logs: [], metrics },
        { dedupToken: `legacy-host-metrics-${first}-${last}` },
      );
      await tx.execute(
        sql`DELETE FROM server_metrics_legacy WHERE id = ANY(${`{${rows.map((r) => r.id).join(",")}}`}::bigint[])`,
      );
      return rows.length;
    });
    if (copied === 0) break;
    moved += copied;
  }
  // Rows of servers deleted meanwhile went with them (ON DELETE CASCADE); what is left is nothing, or being copied by
  // another replica, whose locks make this wait until it is done.
  await deps.db.execute(sql`DROP TABLE IF EXISTS server_metrics_legacy`);
  return moved;
}
