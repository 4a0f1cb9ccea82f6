// Replicas benchmark: what it costs to reach an agent through another control-plane replica. Two control planes on
// one PostgreSQL (built in this process by the test harness), the protocol-exact test peer as the agent on replica A.
// Prints the round trip of a restart (API -> agent -> API answer) through A and through B (relayed by NOTIFY), and
// how long a live event published on A takes to reach a subscriber on B.
// Run: npm run bench:replicas  (needs TEST_DATABASE_URL, e.g. from `bash scripts/services/postgres.sh start`;
// BENCH_COMMANDS=300, BENCH_EVENTS=1000)
import { randomBytes } from "node:crypto";
import { AgentPeer } from "../apps/server/src/testing/agent-peer";
import { createTestApp, type TestApp } from "../apps/server/src/testing/harness";

const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 300);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
if (!process.env.TEST_DATABASE_URL) {
  process.stderr.write("bench:replicas needs TEST_DATABASE_URL (replicas share a PostgreSQL server)\n");
  process.exit(2);
}

const env = { SYNTRA_MASTER_KEY: randomBytes(32).toString("base64"), SYNTRA_CLUSTER_PRESENCE_SECONDS: "1" };
const a = await createTestApp(env);
const b = await createTestApp(env, { replicaOf: a });
const stats = (ms: number[]) => {
  const s = [...ms].sort((x, y) => x - y);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), text: `p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms` };
};
try {
  const owner = await a.signup("bench@example.com", { orgName: "Bench" });
  const server = (await a.call("POST", "/api/v1/servers", { as: owner, body: { name: "bench-1" } })).body.data;
  const project = (await a.call("POST", "/api/v1/projects", { as: owner, body: { name: "P" } })).body.data.id;
  const service = await a.call("POST", `/api/v1/projects/${project}/services`, {
    as: owner,
    body: { name: "api", server_id: server.server_id, source_type: "image", source_config: { image: "x/y" }, port: 80 },
  });
  const { peer } = await AgentPeer.online(await a.agentUrl(), server.token, server.server_id);
  peer.answerEverything();
  while (!b.deps.agents.isOnline(server.server_id)) await new Promise((r) => setTimeout(r, 20));

  const restartThrough = async (app: TestApp) => {
    const started = performance.now();
    const res = await app.call("POST", `/api/v1/services/${service.body.data.id}/restart`, { as: owner });
    if (res.status !== 200) throw new Error(`restart answered ${res.status}: ${JSON.stringify(res.body)}`);
    return performance.now() - started;
  };
  const rounds = async (app: TestApp) => {
    for (let i = 0; i < 20; i++) await restartThrough(app); // warm-up
    const ms: number[] = [];
    for (let i = 0; i < COMMANDS; i++) ms.push(await restartThrough(app));
    return stats(ms);
  };
  const local = await rounds(a);
  const relayed = await rounds(b);

  // Live events: published on A, timed at B's subscriber.
  const seen = new Map<string, number>();
  const orgId = owner.orgId;
  let all = () => {};
  const allSeen = new Promise<void>((r) => (all = r));
  const off = b.deps.live.subscribe(orgId, (e) => {
    if (e.type !== "deployment") return;
    seen.set(e.deploymentId, performance.now());
    if (seen.size === EVENTS) all();
  });
  const sent = new Map<string, number>();
  for (let i = 0; i < EVENTS; i++) {
    const id = `bench-${i}`;
    sent.set(id, performance.now());
    a.deps.live.publish({ type: "deployment", orgId, serviceId: "s", deploymentId: id, status: "deploying" });
    if (i % 50 === 49) await new Promise((r) => setImmediate(r));
  }
  const burstStart = Math.min(...sent.values());
  await allSeen;
  off();
  const events = stats([...sent].map(([id, at]) => (seen.get(id) ?? at) - at));
  const spanMs = Math.max(...seen.values()) - burstStart;

  console.log(`replicas on one PostgreSQL, agent on A, ${COMMANDS} restarts each (API -> agent -> answer):`);
  console.log(`  through A (agent local):        ${local.text}`);
  console.log(`  through B (relayed via NOTIFY): ${relayed.text}`);
  console.log(
    `  relayed/local: p50 ${(relayed.p50 / local.p50).toFixed(2)}x, p99 ${(relayed.p99 / local.p99).toFixed(2)}x`,
  );
  console.log(`live events published on A, seen on B (${EVENTS} in a burst): ${events.text}`);
  console.log(
    `  all ${EVENTS} delivered in ${spanMs.toFixed(0)} ms (${((EVENTS / spanMs) * 1000).toFixed(0)} events/s)`,
  );
} finally {
  await b.close();
  await a.close();
}
