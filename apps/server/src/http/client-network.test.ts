import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import { type ApiClient, ApiError, createApiClient } from "@syntra/api-client";
import { createTestApp, type TestApp } from "../testing/harness";

// The shared API client (dashboard, CLI) on a flaky network: a relay in front of the real control plane resets
// the connections it is told to, as a dropped link or a network change on the client's side would.

let t: TestApp;
let client: ApiClient;
let relay: net.Server;
/** How many of the next connections the relay resets before they reach the control plane. */
let resetNext = 0;
let connections = 0;

before(async () => {
  t = await createTestApp();
  const upstream = new URL((await t.agentUrl()).replace(/^ws/, "http"));
  const owner = await t.signup("owner@example.com", { orgName: "Acme" });
  const token = (await t.call("POST", "/api/v1/tokens", { as: owner, body: { name: "cli" } })).body.data.token;
  relay = net.createServer((socket) => {
    connections++;
    if (resetNext > 0) {
      resetNext--;
      socket.resetAndDestroy();
      return;
    }
    const up = net.connect(Number(upstream.port), upstream.hostname);
    socket.pipe(up).pipe(socket);
    up.on("error", () => socket.destroy());
    socket.on("error", () => up.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const { port } = relay.address() as net.AddressInfo;
  // A fresh connection per request, so each one meets the relay's decision.
  const fetchFresh: typeof fetch = (input, init) =>
    fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), connection: "close" } });
  client = createApiClient({ baseUrl: `http://127.0.0.1:${port}`, token, fetch: fetchFresh });
});

after(async () => {
  relay.close();
  await t.close();
});

test("a read whose connection drops is sent again and answers", async () => {
  resetNext = 2;
  connections = 0;
  const projects = await client.projects.list();
  assert.deepEqual(projects, []);
  assert.equal(connections, 3, "two dropped attempts, then the one that answered");
});

test("a read that keeps failing ends in NETWORK_ERROR after two resends", async () => {
  resetNext = 10;
  connections = 0;
  await assert.rejects(
    client.projects.list(),
    (err: unknown) => err instanceof ApiError && err.code === "NETWORK_ERROR",
  );
  assert.equal(connections, 3);
  resetNext = 0;
});

test("a write is never sent twice: a dropped create fails at once and creates nothing", async () => {
  resetNext = 1;
  connections = 0;
  await assert.rejects(
    client.projects.create({ name: "Shop" }),
    (err: unknown) => err instanceof ApiError && err.code === "NETWORK_ERROR",
  );
  assert.equal(connections, 1);
  assert.deepEqual(await client.projects.list(), []);
  // With the link back, the same create works.
  assert.equal((await client.projects.create({ name: "Shop" })).name, "Shop");
});
