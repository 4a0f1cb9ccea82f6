import { eq } from "drizzle-orm";
import { servers } from "../db/schema";
import { HOST_METRICS, type HostMetricName } from "../telemetry/host-metrics";
import type { TestApp } from "./harness";

/**
 * How many samples of one host metric of a server the telemetry store holds (all time up to a day past the test
 * clock), and the latest one: what the heartbeat tests wait for and check.
 */
export async function hostSamples(
  t: TestApp,
  serverId: string,
  metric: HostMetricName = "cpu_percent",
): Promise<{ samples: number; last: number | null }> {
  const [row] = await t.deps.db.select({ orgId: servers.orgId }).from(servers).where(eq(servers.id, serverId));
  if (!row) throw new Error(`no server ${serverId}`);
  const [stored] = await t.deps.telemetry.metricPerService({
    orgId: row.orgId,
    serviceIds: [serverId],
    metric: HOST_METRICS[metric],
    labels: {},
    from: new Date(0),
    to: new Date(t.deps.now().getTime() + 86_400_000),
  });
  return { samples: stored?.samples ?? 0, last: stored ? stored.last : null };
}
