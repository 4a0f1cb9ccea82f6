import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startCaddy } from "@syntra/testing/caddy";
import { eventually } from "@syntra/testing/eventually";
import { ensureTestImages } from "@syntra/testing/images";
import { freePort } from "@syntra/testing/ports";
import { get, Hammer } from "@syntra/testing/traffic";
import { DockerRuntime } from "../runtime/docker";
import { type ContainerInfo, LABELS } from "../runtime/types";
import { caddyAdmin, startTestCaddy, type TestCaddy } from "../testing/caddy";
import { removeService, uniqueName } from "../testing/fixtures";
import { CaddyRouter } from "./caddy";
import { MAX_UDP_UPSTREAMS, ROUTE_ID_PREFIX } from "./caddy-config";
import { stopUpstreamDaemon, upstreamDaemonPid } from "./upstream-table";

const runtime = new DockerRuntime();
const serviceId = randomUUID();
const networks = [uniqueName("syn-ups-a"), uniqueName("syn-ups-b")];
let caddy: TestCaddy;
let v1: ContainerInfo;
let v2: ContainerInfo;
let v3on9090: ContainerInfo;

function run(tag: string, network: string, env: Record<string, string> = {}): Promise<ContainerInfo> {
  return runtime.run({
    name: uniqueName("syn-ups"),
    image: `syntra-test/webapp:${tag}`,
    env,
    labels: { [LABELS.serviceId]: serviceId },
    port: Number(env.PORT ?? 8080),
    network: { name: network, aliases: [] },
  });
}

/** The handler of a service's route as Caddy has it. */
async function handlerOf(base: string, id: string): Promise<Record<string, unknown>> {
  const route = (await caddyAdmin(base, "GET", `/id/${ROUTE_ID_PREFIX}${id}`)) as { handle: Record<string, unknown>[] };
  return route.handle[0] ?? {};
}

before(async () => {
  await ensureTestImages("v1", "v2", "v3");
  for (const network of networks) await runtime.ensureNetwork(network);
  [caddy, v1, v2, v3on9090] = await Promise.all([
    startTestCaddy(),
    run("v1", networks[0] ?? ""),
    run("v2", networks[1] ?? ""),
    run("v3", networks[0] ?? "", { PORT: "9090" }),
  ]);
});

after(async () => {
  await caddy?.stop();
  for (const network of networks) await removeService(runtime.docker, serviceId, network);
});

describe("Caddy's routes take their containers from dnsmasq", () => {
  test("containers on different project networks answer through their routes, asked of dnsmasq", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await caddy.router.setRoute({ serviceId: a, domains: ["net-a.syntra.test"], upstreams: [v1.address ?? ""] });
    await caddy.router.setRoute({ serviceId: b, domains: ["net-b.syntra.test"], upstreams: [v2.address ?? ""] });
    assert.notEqual(v1.networkIp?.split(".").slice(0, 3).join("."), v2.networkIp?.split(".").slice(0, 3).join("."));
    assert.deepEqual(await get(caddy.httpPort, "net-a.syntra.test"), { status: 200, body: "v1" });
    assert.deepEqual(await get(caddy.httpPort, "net-b.syntra.test"), { status: 200, body: "v2" });
    for (const id of [a, b]) {
      const handler = await handlerOf(caddy.adminUrl, id);
      assert.equal((handler.dynamic_upstreams as { source: string }).source, "a");
      assert.match(JSON.stringify(handler.dynamic_upstreams), /"port":"8080".*"udp\/127\.0\.0\.1:\d+"/);
      await caddy.router.removeRoute(id);
    }
  });

  test("a new app port goes through listed upstreams (config changes), then dnsmasq again on the new port", async () => {
    const id = randomUUID();
    const domain = `${uniqueName("port")}.test`;
    await caddy.router.setRoute({ serviceId: id, domains: [domain], upstreams: [v1.address ?? ""] });
    // Mid-rollout: old and new containers listen on different ports, which one A lookup cannot say.
    await caddy.router.setRoute({
      serviceId: id,
      domains: [domain],
      upstreams: [v1.address ?? "", v3on9090.address ?? ""],
    });
    const mixed = await handlerOf(caddy.adminUrl, id);
    assert.equal(mixed.dynamic_upstreams, undefined);
    assert.deepEqual(mixed.upstreams, [{ dial: v1.address }, { dial: v3on9090.address }]);
    await caddy.router.setRoute({ serviceId: id, domains: [domain], upstreams: [v3on9090.address ?? ""] });
    const moved = await handlerOf(caddy.adminUrl, id);
    assert.equal((moved.dynamic_upstreams as { port: string }).port, "9090");
    for (let i = 0; i < 3; i++) assert.deepEqual(await get(caddy.httpPort, domain), { status: 200, body: "v3" });
    assert.deepEqual((await caddy.router.routes()).find((r) => r.serviceId === id)?.upstreams, [v3on9090.address]);
    await caddy.router.removeRoute(id);
  });

  test(`more than ${MAX_UDP_UPSTREAMS} containers: the route asks over TCP and Caddy gets every one`, async () => {
    const port = await freePort();
    // 2 x 70 web servers on loopback addresses, each answering with its own address.
    const servers = await Promise.all(
      [1, 2].flatMap((net) => Array.from({ length: 70 }, (_, i) => listen(`127.0.${net}.${i + 1}`, port))),
    );
    const id = randomUUID();
    const domain = `${uniqueName("many")}.test`;
    const [first, second] = [servers.slice(0, 70), servers.slice(70)].map((s) => s.map((x) => x.upstream));
    try {
      await caddy.router.setRoute({ serviceId: id, domains: [domain], upstreams: first ?? [] });
      assert.match(JSON.stringify((await handlerOf(caddy.adminUrl, id)).dynamic_upstreams), /"tcp\/127\.0\.0\.1:\d+"/);
      const config = await caddyAdmin(caddy.adminUrl, "GET", "/config/");
      await caddy.router.setRoute({ serviceId: id, domains: [domain], upstreams: second ?? [] });
      assert.deepEqual(await caddyAdmin(caddy.adminUrl, "GET", "/config/"), config, "no config change");
      // Only the second set (from dnsmasq, not the route's listed first set), and more than UDP could carry.
      const seen = new Set<string>();
      await eventually(
        async () => {
          const answer = await get(caddy.httpPort, domain);
          assert.ok(second?.includes(answer.body), `${answer.status} ${answer.body}`);
          seen.add(answer.body);
          return seen.size > MAX_UDP_UPSTREAMS;
        },
        { what: `answers from more than ${MAX_UDP_UPSTREAMS} containers`, diagnostic: () => `${seen.size} seen` },
      );
      const live = (await caddy.router.routes()).find((r) => r.serviceId === id)?.upstreams;
      assert.deepEqual(live, [...(second ?? [])].sort());
    } finally {
      await caddy.router.removeRoute(id);
      await Promise.all(servers.map((s) => s.close()));
    }
  });

  test("dnsmasq killed while the agent runs: the next change starts it again where the routes look", async () => {
    const id = randomUUID();
    const domain = `${uniqueName("revive")}.test`;
    await caddy.router.setRoute({ serviceId: id, domains: [domain], upstreams: [v1.address ?? ""] });
    const config = await caddyAdmin(caddy.adminUrl, "GET", "/config/");
    await stopUpstreamDaemon(caddy.configDir);
    // Meanwhile Caddy serves from the route's listed upstreams.
    assert.deepEqual(await get(caddy.httpPort, domain), { status: 200, body: "v1" });
    await caddy.router.setRoute({ serviceId: id, domains: [domain], upstreams: [v2.address ?? ""] });
    assert.deepEqual(await get(caddy.httpPort, domain), { status: 200, body: "v2" });
    assert.deepEqual(await caddyAdmin(caddy.adminUrl, "GET", "/config/"), config, "no config change");
    await caddy.router.removeRoute(id);
  });

  test("an agent restart after a rolling deploy leaves Caddy's config as it is (a reload would drop a request)", async () => {
    const id = randomUUID();
    const domain = `${uniqueName("restart")}.test`;
    // A rolling deploy of 2 replicas: the route is written with the first one, the second comes through dnsmasq.
    await caddy.router.setRoute({ serviceId: id, domains: [domain], upstreams: [v1.address ?? ""] });
    await caddy.router.setRoute({ serviceId: id, domains: [domain], upstreams: [v1.address ?? "", v2.address ?? ""] });
    const deployed = await caddyAdmin(caddy.adminUrl, "GET", "/config/");
    // A keep-alive client that does not resend, across the restart.
    const hammer = new Hammer(caddy.httpPort, domain);
    const next = nextAgentRouter();
    try {
      await hammer.served(20);
      // The agent is killed (no detach), and the next one starts on the Caddy and dnsmasq that serve on.
      await next.start();
      assert.deepEqual(await caddyAdmin(caddy.adminUrl, "GET", "/config/"), deployed, "no config change at start");
      assert.deepEqual(
        (await next.routes()).find((r) => r.serviceId === id)?.upstreams,
        [v1.address, v2.address].sort(),
      );
      // That one stops gracefully (a self-update, systemd), as does the first one's twin here.
      await next.detach();
      await caddy.router.detach();
      assert.deepEqual(await caddyAdmin(caddy.adminUrl, "GET", "/config/"), deployed, "no config change at stop");
      await hammer.served(20);
    } finally {
      const report = await hammer.stop();
      await next.stop();
      await caddy.router.removeRoute(id);
      assert.equal(report.failed, 0, report.failures.join("; "));
    }
  });

  test("an agent stop after containers were replaced writes the serving ones as the fallback (stale ones never stay)", async () => {
    const id = randomUUID();
    const domain = `${uniqueName("stale")}.test`;
    await caddy.router.setRoute({ serviceId: id, domains: [domain], upstreams: [v1.address ?? ""] });
    await caddy.router.setRoute({ serviceId: id, domains: [domain], upstreams: [v2.address ?? ""] });
    assert.deepEqual((await handlerOf(caddy.adminUrl, id)).upstreams, [{ dial: v1.address }], "no reload at deploy");
    await caddy.router.detach();
    // v1 is no longer routed: were dnsmasq to stop answering, Caddy must not fall back to it.
    assert.deepEqual((await handlerOf(caddy.adminUrl, id)).upstreams, [{ dial: v2.address }]);
    const next = nextAgentRouter();
    try {
      const config = await caddyAdmin(caddy.adminUrl, "GET", "/config/");
      await next.start();
      assert.deepEqual(await caddyAdmin(caddy.adminUrl, "GET", "/config/"), config, "no config change at start");
    } finally {
      await next.stop();
      await caddy.router.removeRoute(id);
    }
  });

  test("without dnsmasq the routes list their containers: each change is a config change, and it works", async () => {
    const bare = await startCaddy();
    const router = new CaddyRouter({
      adminUrl: bare.adminUrl,
      tls: false,
      listenHost: "127.0.0.1",
      httpPort: bare.httpPort,
      upstreamDns: { binary: "/nonexistent/dnsmasq" },
    });
    try {
      await router.start();
      const id = randomUUID();
      await router.setRoute({ serviceId: id, domains: ["plain.syntra.test"], upstreams: [v1.address ?? ""] });
      const before = await handlerOf(bare.adminUrl, id);
      assert.equal(before.dynamic_upstreams, undefined);
      await router.setRoute({ serviceId: id, domains: ["plain.syntra.test"], upstreams: [v2.address ?? ""] });
      assert.deepEqual((await handlerOf(bare.adminUrl, id)).upstreams, [{ dial: v2.address }]);
      assert.deepEqual(await get(bare.httpPort, "plain.syntra.test"), { status: 200, body: "v2" });
    } finally {
      await router.stop();
      await bare.stop();
    }
  });

  test("an earlier agent's route (SRV, its Node daemon) is taken over at start, and that daemon ended", async () => {
    const bare = await startCaddy();
    const dir = await mkdtemp(path.join(tmpdir(), "syntra-legacy-"));
    const id = randomUUID();
    const legacy = spawn(process.execPath, ["-e", "setInterval(() => {}, 1e9)", "--", "--upstream-dns", "x"]);
    const exited = new Promise((resolve) => legacy.once("exit", resolve));
    await writeFile(
      path.join(dir, "upstream-dns.json"),
      JSON.stringify({ host: "127.0.0.1", port: 1, pid: legacy.pid }),
    );
    await writeFile(path.join(dir, "upstreams.json"), JSON.stringify({ version: 3, services: {} }));
    await caddyAdmin(
      bare.adminUrl,
      "PUT",
      "/config/apps/http/servers/syntra",
      olderAgentServer(id, v1.address ?? "", bare.httpPort),
    );
    const router = new CaddyRouter({
      adminUrl: bare.adminUrl,
      tls: false,
      listenHost: "127.0.0.1",
      httpPort: bare.httpPort,
      upstreamDns: { dir },
    });
    try {
      await router.start();
      const handler = await handlerOf(bare.adminUrl, id);
      assert.equal((handler.dynamic_upstreams as { source: string }).source, "a");
      assert.equal(handler.transport, undefined);
      assert.deepEqual(await get(bare.httpPort, "legacy.syntra.test"), { status: 200, body: "v1" });
      await exited;
      await assert.rejects(stat(path.join(dir, "upstream-dns.json")));
      await assert.rejects(stat(path.join(dir, "upstreams.json")));
      assert.ok(await upstreamDaemonPid(dir));
    } finally {
      if (legacy.exitCode === null) legacy.kill("SIGKILL");
      await router.stop();
      await bare.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** The router of the agent that starts next on the test's Caddy and dnsmasq (found running, so left running). */
function nextAgentRouter(): CaddyRouter {
  return new CaddyRouter({
    adminUrl: caddy.adminUrl,
    tls: false,
    listenHost: "127.0.0.1",
    httpPort: caddy.httpPort,
    httpsPort: caddy.httpsPort,
    manage: { configDir: caddy.configDir },
  });
}

/** Syntra's server as an agent before dnsmasq wrote it: an SRV source on its own DNS server, over TCP. */
function olderAgentServer(id: string, upstream: string, httpPort: number): Record<string, unknown> {
  return {
    listen: [`127.0.0.1:${httpPort}`],
    automatic_https: { disable: true },
    routes: [
      {
        "@id": `${ROUTE_ID_PREFIX}${id}`,
        match: [{ host: ["legacy.syntra.test"] }],
        handle: [
          {
            handler: "reverse_proxy",
            upstreams: [{ dial: upstream }],
            dynamic_upstreams: {
              source: "srv",
              name: `${id}.upstreams.syntra.internal.`,
              refresh: "1000ms",
              resolver: { addresses: ["tcp/127.0.0.1:1"] },
              dial_timeout: "1s",
            },
            transport: { protocol: "http", resolver: { addresses: ["tcp/127.0.0.1:1"] } },
          },
        ],
        terminal: true,
      },
    ],
  };
}

/** A web server on one loopback address answering with that address and its port. */
function listen(host: string, port: number): Promise<{ upstream: string; close(): Promise<void> }> {
  const upstream = `${host}:${port}`;
  const server = http.createServer((_req, res) => res.end(upstream));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const bound = server.address() as AddressInfo;
      resolve({
        upstream: `${bound.address}:${bound.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Caddy keeps its connections to upstreams open.
            server.closeAllConnections();
          }),
      });
    });
  });
}
