import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { HealthCheckConfig } from "@syntra/contracts";
import { ensureTestImages } from "@syntra/testing/images";
import { DockerRuntime } from "../runtime/docker";
import { type ContainerInfo, LABELS } from "../runtime/types";
import { removeService, uniqueName } from "../testing/fixtures";
import { defaultHealthCheck, probe, probeTarget, waitHealthy } from "./probes";

const runtime = new DockerRuntime();
const serviceId = randomUUID();
const network = uniqueName("syn-probe");
let healthy: ContainerInfo;
let broken: ContainerInfo;
let elsewhere: ContainerInfo;

const base = { interval_seconds: 1, timeout_seconds: 2, retries: 0, start_period_seconds: 0 };
const http = (path: string): HealthCheckConfig => ({ ...base, type: "http", path });
const tcp: HealthCheckConfig = { ...base, type: "tcp" };
const exec = (command: string[]): HealthCheckConfig => ({ ...base, type: "exec", command });

function run(image: string, env: Record<string, string> = {}): Promise<ContainerInfo> {
  return runtime.run({
    name: uniqueName("syn-probe"),
    image,
    env,
    labels: { [LABELS.serviceId]: serviceId },
    port: 8080,
    network: { name: network, aliases: [] },
  });
}

function target(c: ContainerInfo, config: HealthCheckConfig = tcp) {
  return probeTarget(config, c, 8080);
}

before(async () => {
  await ensureTestImages("v1", "broken-1");
  await runtime.ensureNetwork(network);
  // The app of `elsewhere` listens on 9090: nothing answers on the service's port, 8080.
  [healthy, broken, elsewhere] = await Promise.all([
    run("syntra-test/webapp:v1"),
    run("syntra-test/webapp:broken-1"),
    run("syntra-test/webapp:v1", { PORT: "9090" }),
  ]);
  // httpd needs a moment after each container starts (longer on a busy machine): each is probed until it listens,
  // the start period letting failures pass, so the tests below see the apps themselves answer.
  const starting: HealthCheckConfig = { ...tcp, start_period_seconds: 60 };
  const listening: [ContainerInfo, number][] = [
    [healthy, 8080],
    [broken, 8080],
    [elsewhere, 9090],
  ];
  for (const [c, port] of listening) {
    const where = probeTarget({ ...starting, port }, c, 8080);
    assert.ok((await waitHealthy(starting, where, runtime)).healthy, `${c.name} listens on ${port}`);
  }
});

after(() => removeService(runtime.docker, serviceId, network));

describe("probe", () => {
  test("http: 2xx is healthy; 404 is not", async () => {
    assert.deepEqual(await probe(http("/healthz"), target(healthy), runtime), { healthy: true });
    assert.deepEqual(await probe(http("/healthz"), target(broken), runtime), { healthy: false, error: "HTTP 404" });
  });

  test("tcp: a listening app is healthy; the service's port with nothing listening on it is not", async () => {
    assert.deepEqual(await probe(tcp, target(healthy), runtime), { healthy: true });
    const result = await probe(tcp, target(elsewhere), runtime);
    assert.equal(result.healthy, false);
    assert.match(result.error ?? "", /ECONNREFUSED/);
    const refused = await probe(tcp, { address: "127.0.0.1:9", containerId: healthy.id }, runtime);
    assert.match(refused.error ?? "", /ECONNREFUSED/);
  });

  test("a check on another port than the service's goes to the container's network address", async () => {
    const onOtherPort: HealthCheckConfig = { ...http("/healthz"), port: 9090 };
    const where = probeTarget(onOtherPort, elsewhere, 8080);
    assert.equal(where.address, `${elsewhere.networkIp}:9090`);
    assert.deepEqual(await probe(onOtherPort, where, runtime), { healthy: true });
  });

  test("exec: exit 0 is healthy, anything else is not", async () => {
    assert.deepEqual(await probe(exec(["cat", "/www/healthz"]), target(healthy), runtime), { healthy: true });
    const result = await probe(exec(["cat", "/www/healthz"]), target(broken), runtime);
    assert.equal(result.healthy, false);
    assert.match(result.error ?? "", /^exit code 1: .*No such file/);
  });

  test("a timeout makes the probe fail", async () => {
    const slow = await probe({ ...exec(["sleep", "5"]), timeout_seconds: 1 }, target(healthy), runtime);
    assert.equal(slow.healthy, false);
  });
});

describe("waitHealthy", () => {
  test("healthy on the first success", async () => {
    assert.deepEqual(await waitHealthy(http("/healthz"), target(healthy), runtime), {
      healthy: true,
      attempts: 1,
      lastError: null,
    });
  });

  test("unhealthy after retries + 1 failures, one interval apart", async () => {
    const started = Date.now();
    const result = await waitHealthy({ ...http("/healthz"), retries: 2 }, target(broken), runtime);
    assert.deepEqual(result, { healthy: false, attempts: 3, lastError: "HTTP 404" });
    const took = Date.now() - started;
    // Two intervals between three probes; the upper bound leaves room for a loaded CI machine.
    assert.ok(took >= 2000 && took < 5000, `took ${took} ms`);
  });

  test("failures in the start period do not count", async () => {
    const config = { ...http("/healthz"), retries: 0, start_period_seconds: 2 };
    const started = Date.now();
    const result = await waitHealthy(config, target(broken), runtime);
    assert.equal(result.healthy, false);
    // With retries 0 the first counted failure decides; it can only come once the start period is over.
    assert.ok(Date.now() - started >= 2000, "no verdict before the start period ends");
    // Probes at t=0 and 1 s fall in the start period; on a loaded machine the one near 2 s may too.
    assert.ok(result.attempts === 3 || result.attempts === 4, `attempts: ${result.attempts}`);
  });

  test("an aborted signal stops waiting", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const result = await waitHealthy({ ...http("/healthz"), retries: 50 }, target(broken), runtime, controller.signal);
    assert.equal(result.healthy, false);
    // Aborted at 300 ms; far below the ~50 s the retries would take, with room for a loaded machine.
    assert.ok(Date.now() - started < 2000);
  });

  test("the default check is TCP on the service port, every second, 30 tries", () => {
    const check = defaultHealthCheck(3000);
    assert.equal(check.type, "tcp");
    assert.equal(check.port, 3000);
    assert.equal(check.interval_seconds, 1);
    assert.equal(check.retries + 1, 30);
  });
});
