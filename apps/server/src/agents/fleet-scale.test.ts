import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { sql } from "drizzle-orm";
import { sha256Hex } from "../auth/random";
import { AgentPeer, heartbeatPayload, helloPayload, tryUpgrade } from "../testing/agent-peer";
import { createTestApp, type TestApp } from "../testing/harness";
import { hostSamples } from "../testing/host-metrics";
import { testStore } from "../testing/test-database";
import { AdmissionRate } from "./admission-rate";
import { HeartbeatWriter } from "./heartbeat-writer";

// Issue 19: many agents on one control plane. Heartbeats are written in batches (one statement per flush, the
// latest state per server), and a storm of hellos waits its turn in the admission queue without timing out.
// Flushes happen only when the test asks (a minute-long interval), so what a flush writes is known exactly.

let t: TestApp;
let url: string;
let owner: Awaited<ReturnType<TestApp["signup"]>>;

before(async () => {
  t = await createTestApp({
    SYNTRA_AGENT_HEARTBEAT_FLUSH_MS: "60000",
    SYNTRA_AGENT_OFFLINE_FLUSH_MS: "60000",
    SYNTRA_AGENT_HELLO_CONCURRENCY: "2",
    SYNTRA_AGENT_ADMISSION_BACKLOG: "40",
  });
  url = await t.agentUrl();
  owner = await t.signup("fleet@example.com", { orgName: "Fleet" });
});
after(async () => {
  await t?.close();
});

async function newServers(n: number, prefix: string): Promise<{ id: string; token: string }[]> {
  const out: { id: string; token: string }[] = [];
  for (let i = 0; i < n; i++) {
    const res = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: `${prefix}-${i}` } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    out.push({ id: res.body.data.server_id, token: res.body.data.token });
  }
  return out;
}

async function query<T>(text: string, params: unknown[]): Promise<T[]> {
  return t.deps.database.rawTransaction((tx) => tx.query<T>(text, params));
}

test("heartbeats from many agents land as one batch write holding the latest state of each server", async () => {
  const servers = await newServers(12, "batch");
  const peers = await Promise.all(servers.map((s) => AgentPeer.online(url, s.token, s.id)));
  const writer = t.deps.agents.heartbeats;
  await writer.flush();
  const before = { ...writer.stats };
  // Two beats per agent, the second half an interval later (the hub keeps it): only the second is to be written.
  peers.forEach(({ peer }, i) => {
    peer.send("heartbeat", heartbeatPayload({ resources: { cpu_usage_percent: i } }));
  });
  await eventually(async () => writer.stats.received - before.received === servers.length);
  t.advanceClock(20_000);
  const secondSent = t.deps.now().getTime();
  peers.forEach(({ peer }, i) => {
    peer.send("heartbeat", heartbeatPayload({ resources: { cpu_usage_percent: 50 + i } }));
  });
  await eventually(async () => writer.stats.received - before.received === 2 * servers.length);
  assert.equal(writer.waiting, servers.length, "one waiting heartbeat per server");
  assert.equal(writer.stats.coalesced - before.coalesced, servers.length, "each first beat replaced by the second");

  await writer.flush();
  assert.equal(writer.stats.flushes - before.flushes, 1, "one statement for all of them");
  assert.equal(writer.stats.written - before.written, servers.length);
  const ids = servers.map((s) => s.id);
  // Host metrics go to the telemetry store, one sample per taken beat, none to PostgreSQL.
  for (const [i, s] of servers.entries()) {
    const stored = await eventually(async () => {
      const h = await hostSamples(t, s.id);
      return h.samples === 2 ? h : undefined;
    });
    assert.equal(stored.last, 50 + i, "the latest state is the latest sample");
  }
  const rows = await query<{ id: string; status: string; last_heartbeat_at: Date }>(
    "SELECT id, status, last_heartbeat_at FROM servers WHERE id = ANY($1::uuid[])",
    [ids],
  );
  for (const row of rows) {
    assert.equal(row.status, "online");
    assert.ok(new Date(row.last_heartbeat_at).getTime() >= secondSent, "stamped with the later beat");
  }
  await Promise.all(peers.map(({ peer }) => peer.close()));
});

test("a flush writes its servers a statement of rowsPerStatement at a time, and a query sent meanwhile waits for one", async () => {
  const servers = await newServers(12, "chunk");
  const writer = new HeartbeatWriter({
    db: t.deps.db,
    logger: t.deps.logger,
    flushMs: 0,
    maxBatch: 2000,
    rowsPerStatement: 5,
    onDeleted: () => {},
  });
  const at = t.deps.now();
  for (const s of servers) writer.record(s.id, heartbeatPayload(), at);
  const flushed = writer.flush();
  // A query sent by a later task (as a request read from a socket is): on PGlite's single connection it runs after
  // the statement being written, not after the whole flush.
  const statementsBeforeQuery = await new Promise<number>((resolve, reject) => {
    setImmediate(() => {
      t.deps.db.execute(sql`SELECT 1`).then(() => resolve(writer.stats.flushes), reject);
    });
  });
  await flushed;
  assert.equal(writer.stats.flushes, 3, "12 servers in statements of 5, 5 and 2");
  assert.equal(writer.stats.written, servers.length);
  if (testStore === "pglite")
    assert.ok(statementsBeforeQuery < 3, `the query waited for ${statementsBeforeQuery} statements`);
  const rows = await query<{ n: string }>(
    "SELECT count(*) AS n FROM servers WHERE id = ANY($1::uuid[]) AND last_heartbeat_at = $2",
    [servers.map((s) => s.id), at],
  );
  assert.equal(Number(rows[0]?.n), servers.length, "every server stamped with its beat");
});

test("a heartbeat flood from one agent is coalesced to one row while another agent's beat is written too", async () => {
  const [flooder, other] = await newServers(2, "flood");
  if (!flooder || !other) throw new Error("servers not created");
  const a = await AgentPeer.online(url, flooder.token, flooder.id);
  const b = await AgentPeer.online(url, other.token, other.id);
  const writer = t.deps.agents.heartbeats;
  await writer.flush();
  const before = { ...writer.stats };
  for (let i = 0; i < 2000; i++) a.peer.send("heartbeat", heartbeatPayload({ resources: { cpu_usage_percent: 1 } }));
  b.peer.send("heartbeat", heartbeatPayload({ resources: { cpu_usage_percent: 42 } }));
  // The other agent's beat reached the writer: it was not held up behind the flood.
  await eventually(async () => writer.waiting === 2);
  // And the API answers meanwhile, from the same database.
  assert.equal((await t.call("GET", "/api/v1/servers", { as: owner })).status, 200);
  await writer.flush();
  assert.equal(writer.stats.flushes - before.flushes, 1);
  assert.equal(writer.stats.written - before.written, 2, "2,000 heartbeats cost one row; the other agent's its own");
  // One host-metrics sample for the flood (the first beat, the others coalesced), the other agent's its own.
  const stored = async (id: string) => {
    const h = await hostSamples(t, id);
    return h.samples > 0 ? h : undefined;
  };
  assert.deepEqual(await eventually(() => stored(other.id)), { samples: 1, last: 42 });
  assert.deepEqual(await eventually(() => stored(flooder.id)), { samples: 1, last: 1 });
  await a.peer.close();
  await b.peer.close();
});

test("a server deleted while its heartbeat waits is found by the batch write, and its agent is told", async () => {
  const [gone, kept] = await newServers(2, "deleted");
  if (!gone || !kept) throw new Error("servers not created");
  const a = await AgentPeer.online(url, gone.token, gone.id);
  const b = await AgentPeer.online(url, kept.token, kept.id);
  const writer = t.deps.agents.heartbeats;
  await writer.flush();
  // Deleted behind the hub's back (another replica, say): only the batch write can notice.
  await query("DELETE FROM servers WHERE id = $1", [gone.id]);
  t.advanceClock(1000);
  const sent = t.deps.now().getTime();
  a.peer.send("heartbeat", heartbeatPayload());
  b.peer.send("heartbeat", heartbeatPayload());
  await eventually(async () => writer.waiting === 2);
  await writer.flush();
  assert.equal((await a.peer.closed).code, 4004);
  const [row] = await query<{ last_heartbeat_at: Date | null }>("SELECT last_heartbeat_at FROM servers WHERE id = $1", [
    kept.id,
  ]);
  assert.ok(
    row?.last_heartbeat_at && new Date(row.last_heartbeat_at).getTime() >= sent,
    "the other server's heartbeat was written in the same batch",
  );
  await b.peer.close();
});

test("a mass disconnect is marked offline with one statement, and a server whose agent is back by then is not", async () => {
  const servers = await newServers(10, "cut");
  const [back] = servers;
  if (!back) throw new Error("no server");
  const peers = await Promise.all(servers.map((s) => AgentPeer.online(url, s.token, s.id)));
  const hub = t.deps.agents;
  await hub.offline.flush();
  const before = { ...hub.offline.stats };
  for (const { peer } of peers) await peer.close();
  await eventually(async () => hub.offline.stats.received - before.received === servers.length);
  assert.equal(hub.offline.waiting, servers.length, "every disconnect waits for the flush");
  // One agent is back before the flush: its server never shows offline.
  const again = await AgentPeer.online(url, back.token, back.id);
  await hub.offline.flush();
  assert.equal(hub.offline.stats.flushes - before.flushes, 1, "one statement for all of them");
  assert.equal(hub.offline.stats.marked - before.marked, servers.length - 1);
  assert.equal(hub.offline.stats.skipped - before.skipped, 1, "the server whose agent is back");
  const rows = await query<{ id: string; status: string }>(
    "SELECT id, status FROM servers WHERE id = ANY($1::uuid[])",
    [servers.map((s) => s.id)],
  );
  for (const row of rows) assert.equal(row.status, row.id === back.id ? "online" : "offline", row.id);
  assert.equal(hub.isOnline(back.id), true);
  await again.peer.close();
});

test("a storm of hellos waits in the admission queue past the hello timeout and every agent is admitted", async (ctx) => {
  const servers = await newServers(24, "storm");
  const hub = t.deps.agents;
  // A short hello timeout: a socket that never says hello is closed after it (4009).
  Object.assign(hub, { helloTimeoutMs: 1500 });
  // Hold both admission slots, so every hello of the storm has to wait its turn.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const holders = [hub.admission.run(() => held), hub.admission.run(() => held)];
  const silent = await AgentPeer.connect(url, { token: servers[0]?.token ?? "" });
  // Each says hello as soon as its socket is open, well within the timeout.
  const peers = await Promise.all(
    servers.slice(1).map(async (s) => {
      const peer = await AgentPeer.connect(url, { token: s.token });
      peer.send("agent_hello", helloPayload(s.id));
      return peer;
    }),
  );
  const acks = peers.map((peer) => peer.next("hello_ack", () => true, 60_000));
  await eventually(async () => hub.admission.waiting === peers.length);
  // The hello timeout has passed (the silent socket was closed for it) while the storm waited.
  assert.equal((await silent.closed).code, 4009);
  const before = { ...hub.admission.stats };
  release();
  await Promise.all(holders);
  const answers = await Promise.all(acks);
  assert.ok(
    answers.every((m) => m.payload.accepted),
    "every agent of the storm was accepted",
  );
  assert.ok(hub.admission.stats.peakWaiting >= peers.length);
  // The storm was admitted as one batch: a query per step for all of them, not about ten per agent.
  assert.equal(hub.admission.stats.batches - before.batches, 1, "one batch");
  assert.equal(hub.admission.stats.admitted - before.admitted, peers.length);
  const perHello = (hub.admission.stats.queries - before.queries) / peers.length;
  ctx.diagnostic(`${peers.length} hellos admitted in one batch: ${perHello.toFixed(2)} queries per hello`);
  assert.ok(perHello < 1, `${perHello} queries per hello`);
  for (const s of servers.slice(1)) assert.equal(hub.isOnline(s.id), true, `server ${s.id} online`);
  Object.assign(hub, { helloTimeoutMs: 30_000 });
  await Promise.all(peers.map((p) => p.close()));
});

test("past the admission backlog an upgrade is refused with 503 and Retry-After, and admitted once it clears", async () => {
  const servers = await newServers(41, "busy");
  const late = servers.pop();
  if (!late) throw new Error("no server");
  const hub = t.deps.agents;
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const holders = [hub.admission.run(() => held), hub.admission.run(() => held)];
  const peers = await Promise.all(
    servers.map(async (s) => {
      const peer = await AgentPeer.connect(url, { token: s.token });
      peer.send("agent_hello", helloPayload(s.id));
      return peer;
    }),
  );
  const acks = peers.map((peer) => peer.next("hello_ack", () => true, 60_000));
  await eventually(async () => hub.admission.waiting === peers.length);
  // 40 agents wait to be admitted (the backlog set for this file): the next upgrade is told to come back later.
  const refusedBefore = hub.admissionRefused;
  const busy = await tryUpgrade(url, { authorization: `Bearer ${late.token}`, "x-agent-version": "0.1.0" });
  assert.equal(busy.upgraded, false);
  assert.equal(busy.status, 503);
  assert.equal(JSON.parse(busy.body).error.code, "SERVICE_UNAVAILABLE");
  assert.match(busy.retryAfter ?? "", /^[1-9][0-9]*$/, "Retry-After in seconds");
  assert.equal(hub.admissionRefused, refusedBefore + 1);
  release();
  await Promise.all(holders);
  assert.ok((await Promise.all(acks)).every((m) => m.payload.accepted));
  // The backlog cleared: the same agent is let in.
  const { peer } = await AgentPeer.online(url, late.token, late.id);
  assert.equal(hub.isOnline(late.id), true);
  // Every upgrade handled is counted out of the backlog again: upgraded, refused busy, or refused (401).
  const bad = await tryUpgrade(url, { authorization: `Bearer syn_agt_${"x".repeat(40)}`, "x-agent-version": "0.1.0" });
  assert.equal(bad.status, 401);
  await eventually(async () => hub.upgradesInFlight === 0);
  await Promise.all([...peers, peer].map((p) => p.close()));
});

test("during a storm, a token seen valid lately passes the upgrade on memory and the hello re-checks it", async () => {
  const [spent, valid] = await newServers(2, "cached");
  if (!spent || !valid) throw new Error("servers not created");
  const hub = t.deps.agents;
  const now = t.deps.now().getTime();
  assert.ok((await hub.credentials.warm(t.deps.db, now)) >= 2);
  // The token is spent behind this process's back (another replica enrolled the agent).
  await query("UPDATE servers SET agent_token_used_at = now() WHERE id = $1", [spent.id]);
  // In a storm (32 lookups waiting), the remembered credentials pass the upgrade without a query...
  let release: () => void = () => {};
  const held = new Promise<null>((resolve) => {
    release = () => resolve(null);
  });
  const holders = Array.from({ length: 32 }, (_, i) => hub.credentials.lookup(`held-${i}`, now, () => held));
  const stale = await AgentPeer.connect(url, { token: spent.token });
  const fresh = await AgentPeer.connect(url, { token: valid.token });
  // ...and the hello's write refuses the spent one while it admits the valid one.
  stale.send("agent_hello", helloPayload(spent.id));
  fresh.send("agent_hello", helloPayload(valid.id));
  assert.equal((await stale.closed).code, 4005);
  assert.equal((await fresh.next("hello_ack", () => true)).payload.accepted, true);
  release();
  await Promise.all(holders);
  // Out of a storm, the upgrade asks the database: the spent token is refused at once.
  const refused = await AgentPeer.connect(url, { token: spent.token }).catch((err: { status?: number }) => err);
  assert.equal((refused as { status?: number }).status, 401);
  await fresh.close();
});

test("hello_ack and pings tell agents the reconnect spread: the fleet at the measured admission rate, kept current", async () => {
  const hub = t.deps.agents;
  const measured = hub.admissionRate;
  // A rate of 2 agents per second (as if a storm had measured it): the spread is half the sockets, in seconds.
  Object.assign(hub, { admissionRate: new AdmissionRate({ initialPerSecond: 2, min: 1 }) });
  try {
    const servers = await newServers(6, "spread");
    const first = await Promise.all(servers.slice(0, 3).map((s) => AgentPeer.online(url, s.token, s.id)));
    const spreadNow = () => Math.ceil(hub.socketCount / 2);
    for (const { ack } of first) {
      assert.ok(ack.accepted);
      const spread = ack.config.reconnect_spread_seconds ?? 0;
      assert.ok(spread >= 2 && spread <= spreadNow(), `hello_ack spread ${spread}, sockets ${hub.socketCount}`);
    }
    // The fleet grows: the next ping carries the larger spread to the agents that said hello earlier.
    const later = await Promise.all(servers.slice(3).map((s) => AgentPeer.online(url, s.token, s.id)));
    const expected = spreadNow();
    (hub as unknown as { pingAll(): void }).pingAll();
    for (const { peer } of first) {
      const ping = await peer.next("ping");
      assert.equal(ping.payload.reconnect_spread_seconds, expected);
    }
    // The restarting close names the same spread (what every agent is told, in one number).
    assert.equal(hub.reconnectSpreadSeconds(), expected);
    await Promise.all([...first, ...later].map(({ peer }) => peer.close()));
  } finally {
    Object.assign(hub, { admissionRate: measured });
  }
});

test("credential lookups of one moment are answered by one query, each with its own answer", async () => {
  const servers = await newServers(5, "lookup");
  const cache = t.deps.agents.credentials;
  const before = { ...cache.stats };
  const now = t.deps.now().getTime();
  const unknown = sha256Hex(`syn_agt_${"u".repeat(40)}`);
  const hashes = [...servers.map((s) => sha256Hex(s.token)), unknown, sha256Hex(servers[0]?.token ?? "")];
  const found = await Promise.all(hashes.map((h) => cache.lookupBatched(t.deps.db, h, now)));
  assert.equal(cache.stats.lookups - before.lookups, hashes.length);
  assert.equal(cache.stats.queries - before.queries, 1, "one query for the lot");
  assert.deepEqual(
    found.map((s) => s?.id ?? null),
    [...servers.map((s) => s.id), null, servers[0]?.id],
  );
});
