import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startCaddy } from "@syntra/testing/caddy";
import { ensureTestImages } from "@syntra/testing/images";
import { freePort } from "@syntra/testing/ports";
import { get, getKeptAlive } from "@syntra/testing/traffic";
import { isAgentError } from "../errors";
import { DockerRuntime } from "../runtime/docker";
import { type ContainerInfo, LABELS } from "../runtime/types";
import { caddyAdmin, startTestCaddy, type TestCaddy } from "../testing/caddy";
import { removeService, uniqueName } from "../testing/fixtures";
import { CaddyRouter } from "./caddy";

const runtime = new DockerRuntime();
const serviceId = randomUUID();
const network = uniqueName("syn-caddy");
let caddy: TestCaddy;
let v1: ContainerInfo;
let v2: ContainerInfo;

const admin = (method: string, pathname: string, body?: unknown) => caddyAdmin(caddy.adminUrl, method, pathname, body);

function run(tag: string): Promise<ContainerInfo> {
  return runtime.run({
    name: uniqueName("syn-caddy"),
    image: `syntra-test/webapp:${tag}`,
    env: {},
    labels: { [LABELS.serviceId]: serviceId },
    port: 8080,
    network: { name: network, aliases: [] },
  });
}

before(async () => {
  await ensureTestImages("v1", "v2");
  await runtime.ensureNetwork(network);
  [caddy, v1, v2] = await Promise.all([startTestCaddy(), run("v1"), run("v2")]);
});

after(async () => {
  await caddy?.stop();
  await removeService(runtime.docker, serviceId, network);
});

describe("CaddyRouter", () => {
  test("a route sends its domains to the upstreams; other hosts get the 404 fallback", async () => {
    const id = randomUUID();
    await caddy.router.setRoute({ serviceId: id, domains: ["Shop.Syntra.Test"], upstreams: [v1.address ?? ""] });
    assert.deepEqual(await get(caddy.httpPort, "shop.syntra.test"), { status: 200, body: "v1" });
    assert.equal((await get(caddy.httpPort, "elsewhere.test")).status, 404);
    const route = (await caddy.router.routes()).find((r) => r.serviceId === id);
    assert.deepEqual(route, { serviceId: id, domains: ["shop.syntra.test"], upstreams: [v1.address] });
    await caddy.router.removeRoute(id);
  });

  test("setRoute replaces the service's one route; removeRoute deletes it, twice is fine", async () => {
    const id = randomUUID();
    const domains = [`${uniqueName("swap")}.test`];
    await caddy.router.setRoute({ serviceId: id, domains, upstreams: [v1.address ?? ""] });
    await caddy.router.setRoute({ serviceId: id, domains, upstreams: [v2.address ?? ""] });
    assert.equal((await caddy.router.routes()).filter((r) => r.serviceId === id).length, 1);
    assert.equal((await get(caddy.httpPort, domains[0] ?? "")).body, "v2");
    await caddy.router.removeRoute(id);
    await caddy.router.removeRoute(id);
    assert.equal(
      (await caddy.router.routes()).some((r) => r.serviceId === id),
      false,
    );
    assert.equal((await get(caddy.httpPort, domains[0] ?? "")).status, 404);
  });

  test("no upstreams: 503; no domains: no route", async () => {
    const id = randomUUID();
    const domain = `${uniqueName("empty")}.test`;
    await caddy.router.setRoute({ serviceId: id, domains: [domain], upstreams: [] });
    assert.equal((await get(caddy.httpPort, domain)).status, 503);
    await caddy.router.setRoute({ serviceId: id, domains: [], upstreams: [v1.address ?? ""] });
    assert.equal(
      (await caddy.router.routes()).some((r) => r.serviceId === id),
      false,
    );
  });

  test("new containers behind a route leave Caddy's config as it is: a kept-alive client's connection stays open", async () => {
    const id = randomUUID();
    const domain = `${uniqueName("switch")}.test`;
    await caddy.router.setRoute({ serviceId: id, domains: [domain], upstreams: [v1.address ?? ""] });
    const config = await admin("GET", "/config/");
    const client = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await getKeptAlive(client, caddy.httpPort, domain)).body, "v1");
      for (let i = 0; i < 6; i++) {
        const [container, version] = i % 2 === 0 ? [v2, "v2"] : [v1, "v1"];
        // Resolves once Caddy sends new requests to this container only.
        await caddy.router.setRoute({ serviceId: id, domains: [domain], upstreams: [container.address ?? ""] });
        const answer = await getKeptAlive(client, caddy.httpPort, domain);
        assert.deepEqual(answer, { status: 200, body: version, reused: true }, `switch ${i + 1}`);
      }
      assert.deepEqual(await admin("GET", "/config/"), config, "no config change, so no reload");
      assert.deepEqual((await caddy.router.routes()).find((r) => r.serviceId === id)?.upstreams, [v1.address]);
    } finally {
      client.destroy();
      await caddy.router.removeRoute(id);
    }
  });

  test("an agent that stops leaves Caddy able to serve: the DNS daemon answers on, else the routes' fallback", async () => {
    const id = randomUUID();
    const domain = `${uniqueName("detach")}.test`;
    const options = { adminUrl: caddy.adminUrl, tls: false, listenHost: "127.0.0.1", httpPort: caddy.httpPort };
    const first = new CaddyRouter(options);
    await first.start();
    await first.setRoute({ serviceId: id, domains: [domain], upstreams: [v1.address ?? ""] });
    await first.setRoute({ serviceId: id, domains: [domain], upstreams: [v2.address ?? ""] });
    await first.detach();
    assert.deepEqual(await get(caddy.httpPort, domain), { status: 200, body: "v2" }, "the daemon still answers");
    // Now the daemon goes too (as if killed): Caddy falls back to the upstreams detach() wrote into the route.
    await first.stop();
    for (let i = 0; i < 3; i++) assert.deepEqual(await get(caddy.httpPort, domain), { status: 200, body: "v2" });
    await caddy.router.start();
    assert.deepEqual((await caddy.router.routes()).find((r) => r.serviceId === id)?.upstreams, [v2.address]);
    await caddy.router.removeRoute(id);
  });

  test("a dead upstream is retried on a live one: no request fails", async () => {
    const id = randomUUID();
    const domain = `${uniqueName("retry")}.test`;
    const dead = `127.0.0.1:${await freePort()}`;
    await caddy.router.setRoute({ serviceId: id, domains: [domain], upstreams: [dead, v1.address ?? ""] });
    for (let i = 0; i < 10; i++) assert.deepEqual(await get(caddy.httpPort, domain), { status: 200, body: "v1" });
    await caddy.router.removeRoute(id);
  });

  test("exact hosts are matched before wildcards, whatever the order routes were added in", async () => {
    const wildcard = randomUUID();
    const exact = randomUUID();
    const zone = `${uniqueName("zone")}.test`;
    await caddy.router.setRoute({ serviceId: wildcard, domains: [`*.${zone}`], upstreams: [v1.address ?? ""] });
    await caddy.router.setRoute({ serviceId: exact, domains: [`api.${zone}`], upstreams: [v2.address ?? ""] });
    assert.equal((await get(caddy.httpPort, `www.${zone}`)).body, "v1");
    assert.equal((await get(caddy.httpPort, `api.${zone}`)).body, "v2");
    await caddy.router.removeRoute(wildcard);
    await caddy.router.removeRoute(exact);
  });

  test("hostnames and upstreams are validated before they reach the config", async () => {
    const before = await admin("GET", "/config/");
    const bad = [
      { domains: ["evil.test/path"] },
      { domains: ["two words.test"] },
      { domains: ['x"}]},{"handler":"x'] },
      { domains: ["ok.test"], upstreams: ["127.0.0.1:80/evil"] },
      { domains: ["ok.test"], upstreams: ["unix//var/run/docker.sock"] },
    ];
    for (const route of bad) {
      await assert.rejects(
        caddy.router.setRoute({ serviceId: randomUUID(), upstreams: ["127.0.0.1:1"], ...route }),
        (err: unknown) => isAgentError(err, "VALIDATION_ERROR"),
        JSON.stringify(route),
      );
    }
    await assert.rejects(caddy.router.removeRoute("../../config"), (err: unknown) =>
      isAgentError(err, "VALIDATION_ERROR"),
    );
    assert.deepEqual(await admin("GET", "/config/"), before);
  });

  test("routes live in Caddy: a new router (an agent restart) reads them back and start() keeps them", async () => {
    const id = randomUUID();
    const domain = `${uniqueName("keep")}.test`;
    await caddy.router.setRoute({ serviceId: id, domains: [domain], upstreams: [v1.address ?? ""] });
    const again = new CaddyRouter({
      adminUrl: caddy.adminUrl,
      tls: false,
      listenHost: "127.0.0.1",
      httpPort: caddy.httpPort,
    });
    await again.start();
    assert.ok((await again.routes()).some((r) => r.serviceId === id));
    await again.stop();
    await caddy.router.start();
    assert.equal((await get(caddy.httpPort, domain)).body, "v1", "a router that did not start Caddy leaves it running");
    await caddy.router.removeRoute(id);
  });

  test("start() adds Syntra's server to a Caddy that lacks it and keeps the rest of its config", async () => {
    const otherPort = await freePort();
    const other = { listen: [`127.0.0.1:${otherPort}`], automatic_https: { disable: true }, routes: [] };
    await admin("DELETE", "/config/apps/http/servers/syntra");
    await admin("PUT", "/config/apps/http/servers/other", other);
    const added = new CaddyRouter({
      adminUrl: caddy.adminUrl,
      tls: false,
      listenHost: "127.0.0.1",
      httpPort: caddy.httpPort,
    });
    await added.start();
    await added.stop();
    await caddy.router.start();
    const servers = (await admin("GET", "/config/apps/http/servers")) as Record<string, unknown>;
    assert.deepEqual(Object.keys(servers).sort(), ["other", "syntra"]);
    assert.equal((await get(caddy.httpPort, "nothing.test")).status, 404);
    await admin("DELETE", "/config/apps/http/servers/other");
  });

  test("start() sets up a Caddy that runs with no config at all (a bare `caddy run`)", async () => {
    const bare = await startCaddy();
    const router = new CaddyRouter({
      adminUrl: bare.adminUrl,
      tls: false,
      listenHost: "127.0.0.1",
      httpPort: bare.httpPort,
    });
    try {
      await router.start();
      await router.setRoute({ serviceId, domains: ["bare.syntra.test"], upstreams: [v1.address ?? ""] });
      assert.deepEqual(await get(bare.httpPort, "bare.syntra.test"), { status: 200, body: "v1" });
    } finally {
      await router.stop();
      await bare.stop();
    }
  });

  test("start() without a Caddy to talk to or to run is PROXY_UNAVAILABLE", async () => {
    const router = new CaddyRouter({ adminUrl: `http://127.0.0.1:${await freePort()}` });
    await assert.rejects(router.start(), (err: unknown) => isAgentError(err, "PROXY_UNAVAILABLE"));
    const dir = await mkdtemp(path.join(tmpdir(), "syntra-nocaddy-"));
    const missing = new CaddyRouter({
      adminUrl: `http://127.0.0.1:${await freePort()}`,
      manage: { binary: path.join(dir, "no-such-caddy"), configDir: dir },
    });
    await assert.rejects(
      missing.start(),
      (err: unknown) => isAgentError(err, "PROXY_UNAVAILABLE") && /ENOENT/.test(err.message),
    );
    await rm(dir, { recursive: true, force: true });
  });
});
