// Agent flood benchmark: API latency (GET /api/v1/me over HTTP) while one agent floods the control plane with
// heartbeats, how long the flood takes to be absorbed and how many database writes it cost; then the memory one
// agent can pin with alerts (at the contract's size limits, beyond the ring of 100 kept per server).
// Run: npm run bench:agent-flood  (BENCH_HEARTBEATS=3000, BENCH_ALERTS=1000)
import { randomUUID } from "node:crypto";
import { eventually } from "@syntra/testing/eventually";
import { AgentPeer, heartbeatPayload } from "../apps/server/src/testing/agent-peer";
import { createTestApp } from "../apps/server/src/testing/harness";
import { hostSamples } from "../apps/server/src/testing/host-metrics";

const HEARTBEATS = Number(process.env.BENCH_HEARTBEATS ?? 3000);
const ALERTS = Number(process.env.BENCH_ALERTS ?? 1000);

const t = await createTestApp();
try {
  const url = await t.agentUrl();
  const base = url.replace(/^ws/, "http").replace(/\/agent\/ws$/, "");
  const owner = await t.signup("bench@example.com", { orgName: "Bench" });
  const token = (await t.call("POST", "/api/v1/tokens", { as: owner, body: { name: "bench" } })).body.data.token;
  const server = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "bench-1" } })).body.data;
  const { peer } = await AgentPeer.online(url, server.token, server.server_id);

  const me = async () => {
    const started = performance.now();
    const res = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    return performance.now() - started;
  };
  const stats = (ms: number[]) => {
    const s = [...ms].sort((a, b) => a - b);
    const at = (p: number) => (s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(1);
    return `p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${(s.at(-1) ?? 0).toFixed(1)} ms (${s.length} requests)`;
  };
  /** Resolves once everything sent before it was handled: the answer to a broken frame queued behind it. */
  const drained = () => {
    const marker = randomUUID();
    peer.sendRaw(JSON.stringify({ id: marker, type: "heartbeat", timestamp: "x", payload: {} }));
    return peer.next("error", (m) => m.payload.message_id === marker, 600_000);
  };

  const quiet: number[] = [];
  for (let i = 0; i < 50; i++) quiet.push(await me());

  const frames = Array.from({ length: HEARTBEATS }, () =>
    JSON.stringify({
      id: randomUUID(),
      type: "heartbeat",
      timestamp: new Date().toISOString(),
      payload: heartbeatPayload(),
    }),
  );
  const floodStart = performance.now();
  for (const frame of frames) peer.sendRaw(frame);
  let done = false;
  const absorbed = drained().then(() => {
    done = true;
    return performance.now() - floodStart;
  });
  const flooded: number[] = [];
  while (!done || flooded.length < 20) flooded.push(await me());
  const absorbMs = await absorbed;
  // The first beat of the flood is taken (the others coalesced): its host metrics reach the store asynchronously.
  const stored = await eventually(async () => {
    const h = await hostSamples(t, server.server_id);
    return h.samples > 0 ? h : undefined;
  });

  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const alert = (i: number) => ({
    alert_id: randomUUID(),
    server_id: server.server_id,
    type: "resource_critical" as const,
    severity: "critical" as const,
    title: `alert ${i} `.padEnd(500, "t"),
    message: "m".repeat(10_000),
    timestamp: new Date().toISOString(),
    metadata: { blob: "b".repeat(16_000) },
  });
  for (let i = 0; i < ALERTS; i++) peer.send("alert", alert(i));
  await drained();
  globalThis.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  const kept = t.deps.agents.recentAlerts(server.server_id).length;
  await peer.close();
  await peer.closed;
  // The hub forgets a connection's alerts when it handles the close, right after the socket's close event.
  for (let i = 0; i < 100 && t.deps.agents.recentAlerts(server.server_id).length > 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }

  console.log(`GET /api/v1/me, quiet:                    ${stats(quiet)}`);
  console.log(`GET /api/v1/me, during ${HEARTBEATS} heartbeats: ${stats(flooded)}`);
  console.log(
    `flood absorbed in ${absorbMs.toFixed(0)} ms; host-metrics samples stored: ${stored.samples} for ${HEARTBEATS} heartbeats`,
  );
  console.log(
    `${ALERTS} alerts at the size limits (~26 KiB each): ${kept} kept, heap +${((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MiB while connected`,
  );
  console.log(`after the agent disconnected: ${t.deps.agents.recentAlerts(server.server_id).length} alerts kept`);
} finally {
  await t.close();
}
