import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { RESTARTING_CLOSE_CODE, reconnectSpreadSeconds } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { AgentPeer, heartbeatPayload, tryUpgrade } from "../testing/agent-peer";
import { createTestApp, type TestApp } from "../testing/harness";
import { hostSamples } from "../testing/host-metrics";

let t: TestApp;
let url: string;
let owner: { cookie: string };
before(async () => {
  t = await createTestApp();
  url = await t.agentUrl();
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
});
after(() => t.close());

let seq = 0;
/** Registers a server and returns its id and agent token. */
async function newServer(app = t, as = owner): Promise<{ id: string; token: string }> {
  const res = await app.call("POST", "/api/v1/servers", { as, body: { name: `srv-${++seq}` } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { id: res.body.data.server_id, token: res.body.data.token };
}

const serverRow = async (id: string) => (await t.call("GET", `/api/v1/servers/${id}`, { as: owner })).body.data;

test("the upgrade is refused before any socket opens: 401 without or with a bad token, 400 without a version", async () => {
  const { token } = await newServer();
  const user = await t.call("POST", "/api/v1/tokens", { as: owner, body: { name: "cli" } });
  const cases: [Record<string, string>, number, string][] = [
    [{ "x-agent-version": "0.1.0" }, 401, "UNAUTHORIZED"],
    [{ authorization: `Bearer syn_agt_${"x".repeat(40)}`, "x-agent-version": "0.1.0" }, 401, "UNAUTHORIZED"],
    [{ authorization: `Bearer ${user.body.data.token}`, "x-agent-version": "0.1.0" }, 401, "UNAUTHORIZED"],
    [{ authorization: `Basic ${token}`, "x-agent-version": "0.1.0" }, 401, "UNAUTHORIZED"],
    [{ authorization: `Bearer ${token}` }, 400, "BAD_REQUEST"],
    [{ authorization: `Bearer ${token}`, "x-agent-version": "latest" }, 400, "BAD_REQUEST"],
  ];
  for (const [headers, status, code] of cases) {
    const res = await tryUpgrade(url, headers);
    assert.equal(res.upgraded, false, JSON.stringify(headers));
    assert.equal(res.status, status, JSON.stringify(headers));
    const body = JSON.parse(res.body);
    assert.equal(body.success, false);
    assert.equal(body.error.code, code);
    assert.match(body.error.request_id, /^req_/);
  }
  assert.equal(t.deps.agents.isOnline((await newServer()).id), false);
  // The same endpoint without an upgrade is not an API route.
  const plain = await t.call("GET", "/agent/ws", {
    headers: { authorization: `Bearer ${token}`, "x-agent-version": "0.1.0" },
  });
  assert.equal(plain.status, 400);
  assert.equal(
    (await tryUpgrade(url, { authorization: `Bearer ${token}`, "x-agent-version": "0.1.0" })).upgraded,
    true,
  );
});

test("hello: hello_ack carries the config, the server row takes the host's facts and the server is online", async () => {
  const server = await newServer();
  const peer = await AgentPeer.connect(url, { token: server.token });
  const ack = await peer.hello(server.id);
  assert.ok(ack.accepted);
  assert.equal(ack.server_id, server.id);
  assert.equal(ack.protocol_version, "1.0");
  assert.equal(ack.server_name, `srv-${seq}`);
  assert.deepEqual(ack.config, {
    heartbeat_interval_seconds: 30,
    telemetry_batch_interval_seconds: 5,
    telemetry_buffer_max_mb: 50,
    log_level: "info",
    // A handful of agents at the default 500 per second: within a second.
    reconnect_spread_seconds: 1,
  });
  assert.deepEqual(ack.pending_deployments, []);
  const me = await t.call("GET", "/api/v1/me", { as: owner });
  assert.equal(ack.org_id, me.body.data.org.id);
  assert.ok(t.deps.agents.isOnline(server.id));
  const row = await serverRow(server.id);
  assert.equal(row.status, "online");
  assert.equal(row.hostname, "peer-host");
  assert.equal(row.public_ip, "203.0.113.7");
  assert.equal(row.private_ip, "10.0.0.7");
  assert.equal(row.runtime_version, "27.3.1");
  assert.equal(row.agent_version, "0.1.0");
  assert.deepEqual([row.os_name, row.os_version, row.arch], ["debian", "12", "x86_64"]);
  assert.deepEqual([row.cpu_cores, row.memory_mb, row.disk_gb], [4, 8192, 160]);
  assert.ok(row.last_heartbeat_at);
  const online = await t.call("GET", "/api/v1/servers?status=online", { as: owner });
  assert.ok(online.body.data.some((s: { id: string }) => s.id === server.id));
  assert.deepEqual(peer.invalid, []);
  await peer.close();
});

test("an agent without a shared protocol version is rejected with a reason, and the socket closes", async () => {
  const server = await newServer();
  const peer = await AgentPeer.connect(url, { token: server.token });
  const ack = await peer.hello(server.id, { protocol_version: "2.1", min_supported: "2.0" });
  assert.equal(ack.accepted, false);
  assert.equal(ack.protocol_version, null);
  assert.ok(!ack.accepted && ack.error.code === "PROTOCOL_VERSION_UNSUPPORTED");
  assert.match(ack.error.message, /2\.0 to 2\.1.*1\.0/);
  const closed = await peer.closed;
  assert.equal(closed.code, 4026);
  assert.match(closed.reason, /protocol version unsupported/);
  assert.equal((await serverRow(server.id)).status, "offline");
});

test("an agent_hello naming another server than its token's is rejected", async () => {
  const server = await newServer();
  const other = await newServer();
  const peer = await AgentPeer.connect(url, { token: server.token });
  const ack = await peer.hello(other.id);
  assert.ok(!ack.accepted && ack.error.code === "SERVER_MISMATCH");
  assert.equal((await peer.closed).code, 4003);
  assert.equal((await serverRow(other.id)).status, "offline");
  // The spec's srv_ form names no row, so the token decides.
  const named = await AgentPeer.connect(url, { token: server.token });
  assert.ok((await named.hello("srv_Uakgb_J5m9g-0JDMb")).accepted);
  await named.close();
});

test("before hello, a broken frame or another message gets a rejected hello_ack and the socket closes", async () => {
  const server = await newServer();
  const early = await AgentPeer.connect(url, { token: server.token });
  early.send("heartbeat", heartbeatPayload());
  const refusal = (await early.next("hello_ack")).payload;
  assert.ok(!refusal.accepted && refusal.error.code === "HELLO_REQUIRED");
  assert.equal((await early.closed).code, 4000);

  const garbled = await AgentPeer.connect(url, { token: server.token });
  garbled.sendRaw("{not json");
  const invalid = (await garbled.next("hello_ack")).payload;
  assert.ok(!invalid.accepted && invalid.error.code === "INVALID_MESSAGE");
  assert.match(invalid.error.message, /not valid JSON/);
  const closed = await garbled.closed;
  assert.equal(closed.code, 4000);
  assert.match(closed.reason, /agent_hello expected/);
  assert.equal((await serverRow(server.id)).status, "offline");
});

test("after hello, each invalid frame is logged and answered with an error reply; the connection keeps working", async () => {
  const server = await newServer();
  const { peer } = await AgentPeer.online(url, server.token, server.id);
  const logsBefore = t.logs.length;
  const badId = crypto.randomUUID();
  peer.sendRaw("definitely not json");
  peer.sendRaw(
    JSON.stringify({ id: crypto.randomUUID(), type: "bogus", timestamp: new Date().toISOString(), payload: {} }),
  );
  peer.sendRaw(
    JSON.stringify({
      id: badId,
      type: "heartbeat",
      timestamp: new Date().toISOString(),
      payload: heartbeatPayload({ resources: { cpu_usage_percent: 150 } }),
    }),
  );
  peer.sendRaw(Buffer.from([0xff, 0xfe, 0x00]));
  peer.send("heartbeat", heartbeatPayload({ resources: { cpu_usage_percent: 42 } }));
  const series = await eventually(async () => {
    const res = await t.call("GET", `/api/v1/servers/${server.id}/metrics?interval=1m`, { as: owner });
    return res.body.data.length > 0 ? res.body.data : undefined;
  });
  const cpu = series.find((s: { name: string }) => s.name === "cpu_percent");
  assert.deepEqual(
    cpu.points.map((p: { value: number }) => p.value),
    [42],
    "the invalid heartbeat recorded nothing",
  );
  const refused = t.logs
    .slice(logsBefore)
    .map((l) => JSON.parse(l))
    .filter((l) => String(l.msg).startsWith("refused agent message"));
  assert.equal(refused.length, 4);
  assert.ok(refused.every((l) => l.server_id === server.id && l.level === 40));
  assert.ok(refused.some((l) => l.message_id === badId && /cpu_usage_percent/.test(l.msg)));
  assert.ok(refused.some((l) => /unknown message type "bogus"/.test(l.msg)));
  assert.ok(t.deps.agents.isOnline(server.id));
  assert.equal((await serverRow(server.id)).status, "online");
  const replies = await eventually(async () => {
    const errors = peer.received.filter((m) => m.type === "error");
    return errors.length === 4 ? errors : undefined;
  });
  const payloads = replies.map(
    (m) => m.payload as { code: string; message: string; message_id?: string; issues?: { path: string }[] },
  );
  assert.ok(payloads.every((p) => p.code === "INVALID_MESSAGE"));
  const aboutHeartbeat = payloads.find((p) => p.message_id === badId);
  assert.ok(aboutHeartbeat?.issues?.some((i) => i.path === "payload.resources.cpu_usage_percent"));
  assert.ok(payloads.some((p) => /unknown message type "bogus"/.test(p.message)));
  await peer.close();
});

test("heartbeats become metric series: one per resource, bucketed with avg, min and max", async () => {
  const server = await newServer();
  const { peer } = await AgentPeer.online(url, server.token, server.id);
  // Line the clock up just past an hour boundary (so a minute's too) so that the first two beats share a minute
  // bucket and all three share an hour bucket: a start in an hour's last minute split the hourly series in two.
  const start = t.deps.now().getTime();
  t.advanceClock(3_600_000 - (start % 3_600_000) + 5_000);
  const minute = Math.floor(t.deps.now().getTime() / 60_000) * 60_000;
  // Each taken heartbeat is one sample of each host metric in the telemetry store, which the API reads.
  const samples = async () => (await hostSamples(t, server.id)).samples;
  const beat = async (cpu: number, rx: number, count: number) => {
    peer.send("heartbeat", heartbeatPayload({ resources: { cpu_usage_percent: cpu, network_rx_bytes: rx } }));
    await eventually(async () => (await samples()) === count);
  };
  await beat(10, 100, 1);
  // More than half an interval later, or the hub coalesces the beat into the previous one.
  t.advanceClock(20_000);
  await beat(30, 300, 2);
  t.advanceClock(60_000);
  await beat(50, 500, 3);
  const range = `from=${new Date(minute - 60_000).toISOString()}&to=${new Date(minute + 180_000).toISOString()}`;
  const res = await t.call("GET", `/api/v1/servers/${server.id}/metrics?interval=1m&${range}`, { as: owner });
  assert.equal(res.status, 200);
  assert.deepEqual(
    res.body.data.map((s: { name: string }) => s.name),
    [
      "cpu_percent",
      "memory_used_mb",
      "memory_available_mb",
      "disk_used_gb",
      "disk_available_gb",
      "network_rx_bytes",
      "network_tx_bytes",
    ],
  );
  const cpu = res.body.data[0];
  assert.deepEqual(cpu.labels, { server_id: server.id });
  assert.deepEqual(cpu.points, [
    { timestamp: new Date(minute).toISOString(), value: 20, avg: 20, min: 10, max: 30 },
    { timestamp: new Date(minute + 60_000).toISOString(), value: 50, avg: 50, min: 50, max: 50 },
  ]);
  const rx = res.body.data.find((s: { name: string }) => s.name === "network_rx_bytes");
  assert.deepEqual(
    rx.points.map((p: { max: number }) => p.max),
    [300, 500],
  );
  const hourly = await t.call("GET", `/api/v1/servers/${server.id}/metrics?interval=1h&${range}`, { as: owner });
  assert.deepEqual(
    hourly.body.data[0].points.map((p: { value: number; min: number; max: number }) => [p.value, p.min, p.max]),
    [[30, 10, 50]],
  );
  // A day's bucket merges the hourly rollup: one point at midnight UTC with the day's average, min and max.
  const daily = await t.call("GET", `/api/v1/servers/${server.id}/metrics?interval=1d&${range}`, { as: owner });
  assert.equal(daily.status, 200);
  assert.deepEqual(daily.body.data[0].points, [
    { timestamp: new Date(minute - (minute % 86_400_000)).toISOString(), value: 30, avg: 30, min: 10, max: 50 },
  ]);
  // Outside the range: nothing.
  const old = await t.call(
    "GET",
    `/api/v1/servers/${server.id}/metrics?from=2020-01-01T00:00:00Z&to=2020-01-01T01:00:00Z`,
    { as: owner },
  );
  assert.deepEqual(old.body.data, []);
  const tooFine = await t.call(
    "GET",
    `/api/v1/servers/${server.id}/metrics?interval=1m&from=2020-01-01T00:00:00Z&to=2021-01-01T00:00:00Z`,
    { as: owner },
  );
  assert.equal(tooFine.status, 422);
  await peer.close();
});

test("a server goes offline when its agent disconnects; a second connection replaces the first", async () => {
  const server = await newServer();
  const first = await AgentPeer.online(url, server.token, server.id);
  const second = await AgentPeer.online(url, server.token, server.id);
  const replaced = await first.peer.closed;
  assert.equal(replaced.code, 4001);
  assert.match(replaced.reason, /replaced/);
  // The replaced socket's close, once handled, does not take the server offline.
  await eventually(() => t.deps.agents.openSockets(server.id) === 1);
  assert.ok(t.deps.agents.isOnline(server.id));
  assert.equal((await serverRow(server.id)).status, "online");
  await second.peer.close();
  await eventually(async () => (await serverRow(server.id)).status === "offline");
  assert.equal(t.deps.agents.isOnline(server.id), false);
});

test("deleting a server ends its agent's connection at the next heartbeat, and its token stops working", async () => {
  const server = await newServer();
  const { peer } = await AgentPeer.online(url, server.token, server.id);
  assert.equal((await t.call("DELETE", `/api/v1/servers/${server.id}`, { as: owner })).status, 204);
  peer.send("heartbeat", heartbeatPayload());
  assert.equal((await peer.closed).code, 4004);
  const again = await tryUpgrade(url, { authorization: `Bearer ${server.token}`, "x-agent-version": "0.1.0" });
  assert.equal(again.status, 401);
});

test("alerts are logged as warnings with a summary of their fields and kept per server", async () => {
  const server = await newServer();
  const { peer } = await AgentPeer.online(url, server.token, server.id);
  peer.send("alert", {
    alert_id: "a-1",
    server_id: server.id,
    type: "resource_critical",
    severity: "critical",
    title: "Disk almost full",
    message: "97% of / used",
    timestamp: new Date().toISOString(),
    metadata: { mount: "/", used_percent: 97 },
  });
  await eventually(async () => t.deps.agents.recentAlerts(server.id).length === 1);
  const line = t.logs.map((l) => JSON.parse(l)).find((l) => l.alert_id === "a-1");
  assert.equal(line.level, 40);
  assert.equal(line.severity, "critical");
  assert.equal(line.alert_type, "resource_critical");
  // The message and metadata values can carry application data: the log has their shape, not their content.
  assert.deepEqual(line.metadata_keys, ["mount", "used_percent"]);
  assert.equal(line.message_length, "97% of / used".length);
  assert.equal(line.metadata, undefined);
  await peer.close();
});

test("with a short heartbeat interval, a silent agent is pinged, then its server is swept offline", async () => {
  const fast = await createTestApp({ SYNTRA_AGENT_HEARTBEAT_SECONDS: "1" });
  try {
    const boss = await fast.signup("fast@example.com", { orgName: "Fast" });
    const server = await newServer(fast, boss);
    const { peer, ack } = await AgentPeer.online(await fast.agentUrl(), server.token, server.id);
    assert.ok(ack.accepted && ack.config.heartbeat_interval_seconds === 1);
    const ping = await peer.next("ping", () => true, 3000);
    assert.ok(Date.parse(ping.payload.sent_at) > 0);
    peer.send("pong", { nonce: ping.payload.nonce, sent_at: new Date().toISOString() });
    // No heartbeat: after 3 intervals the sweeper marks the server offline and closes the silent socket.
    const closed = await peer.closed;
    assert.equal(closed.code, 4008);
    const row = (await fast.call("GET", `/api/v1/servers/${server.id}`, { as: boss })).body.data;
    assert.equal(row.status, "offline");
    assert.deepEqual(peer.invalid, []);
  } finally {
    await fast.close();
  }
});

test("closing the app closes agent sockets as 'restarting', naming a reconnect spread, and leaves no timer behind", async () => {
  const other = await createTestApp();
  const boss = await other.signup("closer@example.com", { orgName: "Closer" });
  const server = await newServer(other, boss);
  const { peer } = await AgentPeer.online(await other.agentUrl(), server.token, server.id);
  await other.close();
  const closed = await peer.closed;
  assert.equal(closed.code, RESTARTING_CLOSE_CODE);
  // One agent: the smallest spread, one second.
  assert.equal(reconnectSpreadSeconds(closed.reason), 1);
  assert.match(closed.reason, /restarting/);
});
