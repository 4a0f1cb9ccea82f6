// Deploy benchmark: deploy latency (API call -> new version served through Caddy, image present), requests
// served and failed while redeploying under constant traffic, and the agent's idle memory and CPU.
// Run: npm run bench:deploy  (needs Docker, Caddy and dnsmasq: bash scripts/services/{docker,caddy,dnsmasq}.sh start)
import os from "node:os";
import path from "node:path";
import { ensureTestImages } from "@syntra/testing/images";
import { get, Hammer } from "@syntra/testing/traffic";
import { upstreamDaemonPid } from "../apps/agent/src/proxy/upstream-table";
import { createWebService, deployAndWait, type Stack, startStack, waitDeployment } from "../e2e/stack";
import { processUsage, type Usage } from "./process-usage";

// Each round redeploys once with each strategy: 20 rounds are 20 rolling and 20 blue-green redeploys.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const DOMAIN = "bench.e2e.test";

/** Deploys `tag`; returns how long until it answered through Caddy, once the deployment is over. */
async function timeToServe(stack: Stack, serviceId: string, tag: string, strategy: string): Promise<number> {
  const started = performance.now();
  const res = await stack.t.call("POST", `/api/v1/services/${serviceId}/deploy`, {
    as: stack.owner,
    body: { image_tag: tag, strategy },
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  let served: number | undefined;
  for (;;) {
    const answer = await get(stack.caddy.httpPort, DOMAIN).catch(() => ({ status: 0, body: "" }));
    if (answer.body.trim() === tag) {
      served = performance.now() - started;
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  // The old containers drain and stop before the next deploy starts.
  const done = await waitDeployment(stack, res.body.data.id, 120_000);
  if (done.status !== "running") throw new Error(`${tag}: ${done.status} ${done.error_message}`);
  return served;
}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return `min ${s[0]?.toFixed(0)} ms, median ${at(0.5).toFixed(0)} ms, max ${s.at(-1)?.toFixed(0)} ms (n=${s.length})`;
}

/** The agent's upstream DNS server, dnsmasq (its pid is in the agent's state directory), over the same window. */
async function daemonUsage(stack: Stack): Promise<Usage> {
  const pid = await upstreamDaemonPid(path.join(stack.stateDir, "caddy"));
  if (!pid) throw new Error("the agent runs no upstream DNS server (is dnsmasq installed?)");
  return processUsage(pid, 10_000);
}

async function main(): Promise<void> {
  const tags = Array.from({ length: ROUNDS * 2 + 1 }, (_, i) => `v${i + 1}`);
  await ensureTestImages(...tags);
  // The default heartbeat interval, so the idle figures are what a real server sees.
  const stack = await startStack({ SYNTRA_AGENT_HEARTBEAT_SECONDS: "30" }, { bundle: true });
  try {
    const serviceId = await createWebService(stack, "bench", DOMAIN, 2);
    await deployAndWait(stack, serviceId, { image_tag: "v1", strategy: "blue_green" });
    const hammer = new Hammer(stack.caddy.httpPort, DOMAIN, 600_000);
    const latency: Record<string, number[]> = { rolling: [], blue_green: [] };
    let next = 2;
    for (let round = 0; round < ROUNDS; round++) {
      for (const strategy of ["rolling", "blue_green"] as const) {
        latency[strategy]?.push(await timeToServe(stack, serviceId, `v${next++}`, strategy));
      }
    }
    const traffic = await hammer.stop();
    const pid = stack.agent.child.pid;
    if (!pid) throw new Error("agent has no pid");
    await new Promise((r) => setTimeout(r, 3000));
    const [idle, daemon] = await Promise.all([processUsage(pid, 10_000), daemonUsage(stack)]);

    console.log(`Syntra deploy benchmark (${os.cpus().length} cores, 2 replicas, HTTP health check, images present)`);
    console.log(`deploy latency, rolling:    ${summary(latency.rolling ?? [])}`);
    console.log(`deploy latency, blue_green: ${summary(latency.blue_green ?? [])}`);
    console.log(
      `during ${ROUNDS} rolling + ${ROUNDS} blue_green redeploys, one keep-alive client that never resends: ` +
        `${traffic.ok} requests served, ${traffic.failed} failed (${traffic.closedUnderUs} on a kept-alive ` +
        `connection the proxy closed), 0 resent (${(traffic.durationMs / 1000).toFixed(0)} s)`,
    );
    console.log(
      `agent idle: RSS ${idle.rssMeanMb.toFixed(1)} MB, CPU ${idle.cpuPercent.toFixed(2)} % of one core (10 s window, 30 s heartbeat)`,
    );
    console.log(
      `upstream DNS server (dnsmasq) idle: RSS ${daemon.rssMeanMb.toFixed(1)} MB, CPU ${daemon.cpuPercent.toFixed(2)} % of one core`,
    );
  } finally {
    await stack.close();
  }
}

await main();
