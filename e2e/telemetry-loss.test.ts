// Delivery guarantees under failure: an app sends spans to the agent without pause while the control plane goes
// away and comes back, and while the agent is killed (SIGKILL) mid-batch. Every trace the agent acknowledged to the
// app (HTTP 200) must end up in the store, each of its spans exactly once.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { eq } from "drizzle-orm";
import { startAgentEndpoint } from "../apps/server/src/agents/endpoint";
import { createHubDispatcher } from "../apps/server/src/agents/events";
import { createAgentHub } from "../apps/server/src/agents/hub";
import { buildApp } from "../apps/server/src/app";
import { servers } from "../apps/server/src/db/schema";
import { imageServiceBody } from "../apps/server/src/testing/fixtures";
import { type Stack, startStack } from "./stack";

/** Waits for `check` to hold (see `eventually`), with what to show when it does not. */
function waitFor(check: () => Promise<boolean>, timeoutMs: number, diagnostic: () => string): Promise<boolean> {
  return eventually(check, { timeoutMs, diagnostic });
}

const SPANS_PER_TRACE = 10;
let stack: Stack;
let serviceId: string;
let orgId: string;
let key: string;

before(async () => {
  stack = await startStack();
  console.log("stack up");
  const project = await stack.t.call("POST", "/api/v1/projects", { as: stack.owner, body: { name: "loss" } });
  const service = await stack.t.call("POST", `/api/v1/projects/${project.body.data.id}/services`, {
    as: stack.owner,
    body: imageServiceBody("steady", stack.serverId),
  });
  serviceId = service.body.data.id;
  const [server] = await stack.t.deps.db
    .select({ orgId: servers.orgId })
    .from(servers)
    .where(eq(servers.id, stack.serverId));
  orgId = server?.orgId ?? "";
  key = (await stack.t.call("GET", `/api/v1/services/${serviceId}/ingest`, { as: stack.owner })).body.data.key;
  await waitFor(
    async () => (await send(randomTrace())) === 200,
    30_000,
    () => stack.agent.output(),
  );
});

// The control plane restarted by the first test, closed before the stack's own.
let restarted: { close(): Promise<unknown> }[] = [];

after(async () => {
  for (const r of restarted) await r.close();
  await stack?.close();
});

function randomTrace(): { traceId: string; body: string } {
  const traceId = randomBytes(16).toString("hex");
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: SPANS_PER_TRACE }, (_, i) => ({
    traceId,
    spanId: randomBytes(8).toString("hex"),
    name: `step ${i}`,
    kind: 1,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1_000_000n),
  }));
  return { traceId, body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }) };
}

async function send(trace: { body: string }): Promise<number> {
  try {
    const res = await fetch(`${stack.otlp.httpUrl}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-syntra-key": key },
      body: trace.body,
      signal: AbortSignal.timeout(5000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** An app exporting without pause (two requests in flight); remembers the traces the agent acknowledged. */
function steadySender() {
  const acknowledged = new Set<string>();
  let running = true;
  let refused = 0;
  const loop = async () => {
    while (running) {
      const trace = randomTrace();
      if ((await send(trace)) === 200) acknowledged.add(trace.traceId);
      else {
        refused++;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const loops = [loop(), loop()];
  return {
    acknowledged,
    refused: () => refused,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Waits until every acknowledged trace is stored, then checks each holds its spans exactly once. */
async function assertStoredExactlyOnce(acknowledged: Set<string>): Promise<void> {
  const count = async () => {
    const traces = await stack.t.deps.telemetry.searchTraces(
      { orgId, serviceId },
      { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000), limit: 1_000_000 },
    );
    return new Map(traces.map((t) => [t.trace_id, t.span_count]));
  };
  let stored = new Map<string, number>();
  await waitFor(
    async () => {
      stored = await count();
      return [...acknowledged].every((id) => stored.has(id));
    },
    120_000,
    () =>
      `${[...acknowledged].filter((id) => !stored.has(id)).length} acknowledged traces missing\n${stack.agent.output()}`,
  );
  for (const id of acknowledged)
    assert.equal(stored.get(id), SPANS_PER_TRACE, `trace ${id} stored with duplicates or gaps`);
}

test("the control plane goes away and comes back while an app sends: every acknowledged span stored exactly once", async () => {
  const sender = steadySender();
  await waitFor(
    async () => sender.acknowledged.size >= 50,
    30_000,
    () => stack.agent.output(),
  );
  // The control plane stops: its sockets close, the agent keeps accepting and buffers to disk.
  const { t } = stack;
  const endpoint = await t.agentEndpoint();
  await t.app.close();
  // The agents' mutual-TLS listener is part of the control plane: it goes too, and comes back on its port.
  await endpoint.close();
  const during = sender.acknowledged.size;
  await waitFor(
    async () => sender.acknowledged.size >= during + 100,
    30_000,
    () => stack.agent.output(),
  );
  // It comes back on the same address, with the same stores: the agent reconnects and drains its buffer.
  console.log(`control plane stopped; ${sender.acknowledged.size} acknowledged`);
  const agents = createAgentHub(t.deps.config, t.deps.db, t.deps.logger, t.deps.now);
  const deps = { ...t.deps, agents };
  agents.start(createHubDispatcher(deps));
  const app = await buildApp(deps);
  const port = Number(new URL(stack.baseUrl).port);
  await app.listen({ host: "127.0.0.1", port });
  const agentsConfig = { ...deps.config.agents, endpoint: { ...deps.config.agents.endpoint, port: endpoint.port } };
  const endpointBack = await startAgentEndpoint({ ...deps, config: { ...deps.config, agents: agentsConfig } });
  stack.t = { ...t, app, deps, agentEndpoint: async () => endpointBack } as typeof t;
  restarted = [endpointBack, app, agents];
  await waitFor(
    async () => agents.isOnline(stack.serverId),
    30_000,
    () => stack.agent.output(),
  );
  const after = sender.acknowledged.size;
  await waitFor(
    async () => sender.acknowledged.size >= after + 50,
    30_000,
    () => stack.agent.output(),
  );
  await sender.stop();
  console.log(`control plane back; ${sender.acknowledged.size} acknowledged in all`);
  assert.ok(sender.acknowledged.size > 200);
  await assertStoredExactlyOnce(sender.acknowledged);
});

test("the agent is killed mid-batch while an app sends: nothing it acknowledged is lost or stored twice", async () => {
  const sender = steadySender();
  await waitFor(
    async () => sender.acknowledged.size >= 100,
    30_000,
    () => stack.agent.output(),
  );
  await stack.agent.kill();
  const atKill = sender.acknowledged.size;
  stack.agent = stack.startAgent();
  await waitFor(
    async () => sender.acknowledged.size >= atKill + 100,
    60_000,
    () => stack.agent.output(),
  );
  await sender.stop();
  assert.ok(sender.refused() > 0, "the app saw the agent gone (and retried), as it would");
  await assertStoredExactlyOnce(sender.acknowledged);
});
