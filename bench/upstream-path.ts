// Upstream path benchmark: requests through Caddy to one container, reached at its address on its project network
// (how the agent routes) or through a port published on loopback (Docker's userland proxy, docker-proxy, in
// between: how it routed before). The same container, the same Caddy, alternating windows; prints requests per
// second and mean latency for each path, their ratio, and docker-proxy's memory.
// Run: npm run bench:upstream-path  (needs Docker and Caddy: bash scripts/services/{docker,caddy}.sh start)
// BENCH_WINDOW_SECONDS (default 10), BENCH_ROUNDS (3), BENCH_CLIENTS (4: keep-alive clients sending at once).
import os from "node:os";
import { startCaddy } from "@syntra/testing/caddy";
import { ensureTestImages } from "@syntra/testing/images";
import { Hammer } from "@syntra/testing/traffic";
import Dockerode from "dockerode";
import { dockerProxiesFor, processUsage } from "./process-usage";

const WINDOW_MS = Number(process.env.BENCH_WINDOW_SECONDS ?? 10) * 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const PATHS = { direct: "direct.bench.test", published: "published.bench.test" } as const;

/** Requests answered per second by `CLIENTS` keep-alive clients over one window, and their mean latency. */
async function window(port: number, host: string): Promise<{ rps: number; latencyMs: number; failed: number }> {
  const hammers = Array.from({ length: CLIENTS }, () => new Hammer(port, host, WINDOW_MS * 2));
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  const reports = await Promise.all(hammers.map((h) => h.stop()));
  const ok = reports.reduce((sum, r) => sum + r.ok, 0);
  const seconds = Math.max(...reports.map((r) => r.durationMs)) / 1000;
  const latencyMs = reports.reduce((sum, r) => sum + r.durationMs / Math.max(1, r.ok), 0) / reports.length;
  return { rps: ok / seconds, latencyMs, failed: reports.reduce((sum, r) => sum + r.failed, 0) };
}

async function main(): Promise<void> {
  await ensureTestImages("v1");
  const docker = new Dockerode();
  const network = await docker.createNetwork({ Name: `syn-bench-path-${process.pid}`, Driver: "bridge" });
  const container = await docker.createContainer({
    Image: "syntra-test/webapp:v1",
    ExposedPorts: { "8080/tcp": {} },
    HostConfig: {
      PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] },
      NetworkMode: network.id,
    },
  });
  const caddy = await startCaddy();
  try {
    await container.start();
    const info = await container.inspect();
    const ip = Object.values(info.NetworkSettings.Networks)[0]?.IPAddress;
    const hostPort = info.NetworkSettings.Ports["8080/tcp"]?.[0]?.HostPort;
    if (!ip || !hostPort) throw new Error("the container has no address or published port");
    const route = (host: string, dial: string) => ({
      match: [{ host: [host] }],
      handle: [{ handler: "reverse_proxy", upstreams: [{ dial }] }],
    });
    const servers = {
      bench: {
        listen: [`127.0.0.1:${caddy.httpPort}`],
        automatic_https: { disable: true },
        routes: [route(PATHS.direct, `${ip}:8080`), route(PATHS.published, `127.0.0.1:${hostPort}`)],
      },
    };
    const res = await fetch(`${caddy.adminUrl}/config/apps`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ http: { servers } }),
    });
    if (!res.ok) throw new Error(`Caddy refused the config: ${await res.text()}`);
    const results: Record<keyof typeof PATHS, { rps: number[]; latency: number[]; failed: number }> = {
      direct: { rps: [], latency: [], failed: 0 },
      published: { rps: [], latency: [], failed: 0 },
    };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating, so load from elsewhere on the machine falls on both paths alike.
      const order: (keyof typeof PATHS)[] = round % 2 === 0 ? ["direct", "published"] : ["published", "direct"];
      for (const path of order) {
        const w = await window(caddy.httpPort, PATHS[path]);
        results[path].rps.push(w.rps);
        results[path].latency.push(w.latencyMs);
        results[path].failed += w.failed;
      }
    }
    const [proxyPid] = await dockerProxiesFor([ip]);
    const proxy = proxyPid ? await processUsage(proxyPid.pid, 3000) : null;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `Upstream path through Caddy (${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(1)}, ${CLIENTS} ` +
        `keep-alive clients, ${ROUNDS} x ${WINDOW_MS / 1000} s per path, busybox httpd)`,
    );
    for (const path of ["direct", "published"] as const) {
      const r = results[path];
      const label = path === "direct" ? "container address (Syntra now)" : "loopback port via docker-proxy";
      console.log(
        `${label.padEnd(32)} ${mean(r.rps).toFixed(0).padStart(6)} req/s  mean latency ${mean(r.latency).toFixed(2)} ms  ` +
          `(windows: ${r.rps.map((x) => x.toFixed(0)).join(", ")}; ${r.failed} failed)`,
      );
    }
    console.log(
      `ratio (container address / docker-proxy): ${(mean(results.direct.rps) / mean(results.published.rps)).toFixed(2)}x`,
    );
    console.log(`docker-proxy for the published port: ${proxy ? `${proxy.rssMeanMb.toFixed(1)} MB RSS` : "not found"}`);
  } finally {
    await caddy.stop();
    await container.remove({ force: true });
    await network.remove();
  }
}

await main();
