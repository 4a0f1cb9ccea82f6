// Two control-plane replicas on one PostgreSQL with a real agent (and Caddy, Docker) behind a TCP load balancer in
// front of their mutual-TLS agent endpoints: replica B is the stack's control plane (in this process), replica A the
// compiled control plane in a process of its own. The agent is moved to A, a deploy, a restart and an exec issued
// through B reach it there; A is killed mid-deploy and the agent, sent to B by the balancer, settles the deployment.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { freePort } from "@syntra/testing/ports";
import { eq } from "drizzle-orm";
import { servers } from "../apps/server/src/db/schema";
import { type ReplicaProcess, startReplicaProcess } from "../apps/server/src/testing/replica-process";
import { testStore } from "../apps/server/src/testing/test-database";
import { createWebService, deployAndWait, type Stack, startStack, waitDeployment } from "./stack";

const skip =
  testStore === "postgres"
    ? false
    : "replicas share a PostgreSQL server (set TEST_DATABASE_URL); PGlite is one process's own database";

/**
 * A TCP load balancer (as HAProxy in `mode tcp` would be): each connection goes to the first backend that accepts
 * it, in order. `cut` ends every connection, as a rebalancing or a balancer restart would.
 */
async function startTcpBalancer() {
  const backends: number[] = [];
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => client.destroy());
    client.pause();
    const tryBackend = (i: number) => {
      const port = backends[i];
      if (port === undefined) {
        client.destroy();
        return;
      }
      const upstream = net.connect(port, "127.0.0.1");
      upstream.once("error", () => tryBackend(i + 1));
      upstream.once("connect", () => {
        upstream.removeAllListeners("error");
        upstream.on("error", () => client.destroy());
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
        open.add(upstream);
        upstream.on("close", () => open.delete(upstream));
        client.pipe(upstream).pipe(client);
        client.resume();
      });
    };
    tryBackend(0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    backends,
    cut: () => {
      for (const socket of open) socket.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const masterKey = randomBytes(32).toString("base64");
let stack: Stack;
let a: ReplicaProcess;
let balancer: Awaited<ReturnType<typeof startTcpBalancer>>;
let serviceId = "";

const heldBy = async () => {
  const [row] = await stack.t.deps.db
    .select({ replica: servers.connectedReplica, status: servers.status })
    .from(servers)
    .where(eq(servers.id, stack.serverId));
  return row;
};

before(async () => {
  if (skip) return;
  balancer = await startTcpBalancer();
  const tlsPortB = await freePort();
  balancer.backends.push(tlsPortB);
  const shared = {
    SYNTRA_MASTER_KEY: masterKey,
    SYNTRA_CLUSTER_PRESENCE_SECONDS: "0.5",
    // Agents reach whichever replica the balancer picks; every endpoint has the same TLS name and CA.
    SYNTRA_AGENT_ENDPOINT: `wss://127.0.0.1:${balancer.port}`,
  };
  stack = await startStack({ ...shared, SYNTRA_AGENT_TLS_PORT: String(tlsPortB) });
  a = await startReplicaProcess(stack.t.deps.database.url ?? "", shared);
  // The balancer now prefers A: the agent's next connection lands there.
  balancer.backends.unshift(a.agentTlsPort);
  balancer.cut();
  await eventually(
    async () => {
      const row = await heldBy();
      return row?.status === "online" && !!row.replica && row.replica !== stack.t.deps.cluster.replicaId;
    },
    { what: "the agent on A", timeoutMs: 30_000, diagnostic: () => stack.agent.output().slice(-3000) },
  );
  serviceId = await createWebService(stack, "shop", "shop.e2e.test", 1);
});

after(async () => {
  if (skip) return;
  await a?.kill();
  await stack?.close();
  await balancer?.close();
});

test("a deploy, a restart and an exec through B reach the real agent on A", { skip }, async () => {
  const deployed = await deployAndWait(stack, serviceId, {});
  assert.equal(deployed.status, "running", JSON.stringify(deployed));
  const post = (p: string, body?: unknown) =>
    stack.t.call("POST", `/api/v1/services/${serviceId}/${p}`, { as: stack.owner, body });
  const restart = await post("restart");
  assert.equal(restart.status, 200, JSON.stringify(restart.body));
  const exec = await post("exec", { command: ["sh", "-c", "echo from-$GREETING"] });
  assert.equal(exec.status, 200, JSON.stringify(exec.body));
  assert.deepEqual({ code: exec.body.data.exit_code, out: exec.body.data.stdout }, { code: 0, out: "from-hello\n" });
});

test("killing A mid-deploy: the balancer sends the agent to B, where its deployment settles", { skip }, async () => {
  const res = await stack.t.call("POST", `/api/v1/services/${serviceId}/deploy`, { as: stack.owner, body: {} });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const deploymentId: string = res.body.data.id;
  await eventually(async () => {
    const got = await stack.t.call("GET", `/api/v1/deployments/${deploymentId}`, { as: stack.owner });
    return got.body.data.status === "deploying" && got.body.data.deploy_log.length > 0;
  });
  const killedAt = new Date().toISOString();
  await a.kill();
  const settled = await waitDeployment(stack, deploymentId, 90_000);
  assert.equal(settled.status, "running", JSON.stringify(settled));
  const log = (await stack.t.call("GET", `/api/v1/deployments/${deploymentId}`, { as: stack.owner })).body.data
    .deploy_log as { status: string; timestamp: string }[];
  const outcome = log.at(-1);
  assert.equal(outcome?.status, "running");
  assert.ok(
    (outcome?.timestamp ?? "") > killedAt,
    `finished after A died (killed ${killedAt}): ${JSON.stringify(log)}`,
  );
  await eventually(async () => (await heldBy())?.replica === stack.t.deps.cluster.replicaId, {
    what: "the agent on B",
  });
  assert.equal((await heldBy())?.status, "online");
});
