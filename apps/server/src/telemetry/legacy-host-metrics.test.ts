import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "drizzle-orm";
import { resultRows } from "../db/client";
import { createTestApp, type TestApp } from "../testing/harness";
import { hostSamples } from "../testing/host-metrics";
import { moveLegacyHostMetrics } from "./legacy-host-metrics";

// An installation upgraded past migration 0031 still has its servers' host metrics in PostgreSQL: the control plane
// copies them into the telemetry store, so the charts keep their history, and drops the table.

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const legacyTablePresent = async () =>
  resultRows<{ present: boolean }>(
    await t.deps.db.execute(sql`SELECT to_regclass('server_metrics_legacy') IS NOT NULL AS present`),
  )[0]?.present;

test("host metrics recorded in PostgreSQL before 0031 end up in the telemetry store once, and the table goes", async () => {
  const owner = await t.signup("owner@example.com", { orgName: "Acme" });
  const res = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "web-1" } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const serverId = res.body.data.server_id as string;
  const now = t.deps.now().getTime();
  const cpu = [12, 34, 56, 78, 90];
  for (const [i, value] of cpu.entries()) {
    await t.deps.db.execute(sql`
      INSERT INTO server_metrics_legacy (server_id, recorded_at, cpu_percent, memory_used_mb, memory_available_mb,
        disk_used_gb, disk_available_gb, network_rx_bytes, network_tx_bytes)
      VALUES (${serverId}, ${new Date(now - (cpu.length - i) * 60_000).toISOString()}, ${value}, 512, 1536, 10, 30,
        1000, 2000)`);
  }
  assert.equal(await legacyTablePresent(), true);

  // Chunks of 2: three transactions, each deleting what the store took.
  assert.equal(await moveLegacyHostMetrics(t.deps, 2), cpu.length);
  assert.deepEqual(await hostSamples(t, serverId), { samples: cpu.length, last: 90 });
  assert.equal((await hostSamples(t, serverId, "memory_used_percent")).last, 25);
  assert.equal(await legacyTablePresent(), false);

  // The next start finds nothing to do and stores nothing twice.
  assert.equal(await moveLegacyHostMetrics(t.deps, 2), 0);
  assert.equal((await hostSamples(t, serverId)).samples, cpu.length);
});
