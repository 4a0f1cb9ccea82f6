// Deploy benchmark: deploy latency (API call -> new version served through Caddy, image present), requests
// served and failed while redeploying under constant traffic, and the agent's idle memory and CPU.
// Run: npm run bench:deploy  (needs Docker and Caddy: bash scripts/services/docker.sh start && bash scripts/services/caddy.sh start)
import os from "node:os";
import { ensureTestImages } from "@syntra/testing/images";
import { get, Hammer } from "@syntra/testing/traffic";
import { createWebService, deployAndWait, type Stack, startStack } from "../e2e/stack";
import { processUsage } from "./process-usage";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const DOMAIN = "bench.e2e.test";

async function timeToServe(stack: Stack, serviceId: string, tag: string, strategy: string): Promise<number> {
  const started = performance.now();
  const res = await stack.t.call("POST", `/api/v1/services/${serviceId}/deploy`, {
    as: stack.owner,
    body: { image_tag: tag, strategy },
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  for (;;) {
    const answer = await get(stack.caddy.httpPort, DOMAIN).catch(() => ({ status: 0, body: "" }));
    if (answer.body.trim() === tag) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return `min ${s[0]?.toFixed(0)} ms, median ${at(0.5).toFixed(0)} ms, max ${s.at(-1)?.toFixed(0)} ms (n=${s.length})`;
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
        // Let the deployment finish its drain and cleanup before the next one.
        await new Promise((r) => setTimeout(r, 2500));
      }
    }
    const traffic = await hammer.stop();
    const pid = stack.agent.child.pid;
    if (!pid) throw new Error("agent has no pid");
    await new Promise((r) => setTimeout(r, 3000));
    const idle = await processUsage(pid, 10_000);

    console.log(`Syntra deploy benchmark (${os.cpus().length} cores, 2 replicas, HTTP health check, images present)`);
    console.log(`deploy latency, rolling:    ${summary(latency.rolling ?? [])}`);
    console.log(`deploy latency, blue_green: ${summary(latency.blue_green ?? [])}`);
    console.log(
      `during ${ROUNDS * 2} redeploys: ${traffic.ok} requests served, ${traffic.failed} failed, ` +
        `${traffic.retried} resent after a proxy reload (${(traffic.durationMs / 1000).toFixed(0)} s)`,
    );
    console.log(
      `agent idle: RSS ${idle.rssMeanMb.toFixed(1)} MB, CPU ${idle.cpuPercent.toFixed(2)} % of one core (10 s window, 30 s heartbeat)`,
    );
  } finally {
    await stack.close();
  }
}

await main();
