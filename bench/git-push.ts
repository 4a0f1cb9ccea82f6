// Push-to-live benchmark: a commit pushed to a local bare repository, a signed GitHub webhook, the build (repo
// Dockerfile, layer cache warm after the first round), the push to the htpasswd registry, the agent's deploy,
// until Caddy answers the new commit's content. Prints each phase from the deployment's own figures.
// Run: npm run bench:push  (needs Docker, Caddy and the registry: see scripts/test.sh for the service scripts)
import { createHmac, randomUUID } from "node:crypto";
import { get } from "@syntra/testing/traffic";
import { createTestRepo } from "../apps/server/src/builds/builder/testing/git-repos";
import { testRegistry } from "../apps/server/src/builds/builder/testing/registry";
import { startBuildWorker } from "../apps/server/src/builds/start-worker";
import { startStack } from "../e2e/stack";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const DOMAIN = "push.e2e.test";

const registry = await testRegistry();
const repo = await createTestRepo();
const stack = await startStack({
  SYNTRA_REGISTRY: registry.address,
  SYNTRA_REGISTRY_USERNAME: registry.username,
  SYNTRA_REGISTRY_PASSWORD: registry.password,
});
const worker = await startBuildWorker(stack.t.deps, { pollMs: 100 });
try {
  const project = await stack.t.call("POST", "/api/v1/projects", { as: stack.owner, body: { name: "Bench push" } });
  const svc = await stack.t.call("POST", `/api/v1/projects/${project.body.data.id}/services`, {
    as: stack.owner,
    body: {
      name: "pushed",
      server_id: stack.serverId,
      source_type: "dockerfile",
      source_config: { repo_url: repo.url },
      port: 8080,
      replicas: 1,
      domains: [DOMAIN],
      health_check: { type: "http", path: "/healthz", interval_seconds: 1, timeout_seconds: 2, retries: 2 },
    },
  });
  const serviceId = svc.body.data.id;
  await stack.t.call("POST", `/api/v1/services/${serviceId}/domains/${DOMAIN}/verify`, { as: stack.owner });
  const secret = (await stack.t.call("POST", `/api/v1/services/${serviceId}/webhook`, { as: stack.owner })).body.data
    .secret;

  const rows: string[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const text = `round ${round} ${randomUUID()}`;
    const sha = await repo.commit(
      {
        Dockerfile: [
          "FROM syntra-test/busybox:latest",
          "RUN mkdir -p /www && echo ok > /www/healthz",
          "COPY www/index.html /www/index.html",
          'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]',
          "",
        ].join("\n"),
        "www/index.html": text,
      },
      `round ${round}`,
    );
    const body = { ref: "refs/heads/main", after: sha, repository: { clone_url: repo.url }, commits: [] };
    const mac = createHmac("sha256", secret).update(JSON.stringify(body)).digest("hex");
    const started = performance.now();
    const res = await stack.t.call("POST", "/api/v1/webhooks/github", {
      body,
      headers: { "x-github-event": "push", "x-github-delivery": randomUUID(), "x-hub-signature-256": `sha256=${mac}` },
    });
    const id = res.body.data.deployments[0]?.deployment_id;
    if (!id) throw new Error(`push did not queue a build: ${JSON.stringify(res.body)}`);
    for (;;) {
      const answer = await get(stack.caddy.httpPort, DOMAIN).catch(() => ({ status: 0, body: "" }));
      if (answer.body.trim() === text) break;
      const d = (await stack.t.call("GET", `/api/v1/deployments/${id}`, { as: stack.owner })).body.data;
      if (["failed", "cancelled", "rolled_back"].includes(d.status)) throw new Error(`${d.status}: ${d.error_message}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const live = performance.now() - started;
    let d = (await stack.t.call("GET", `/api/v1/deployments/${id}`, { as: stack.owner })).body.data;
    while (d.status !== "running") {
      await new Promise((r) => setTimeout(r, 50));
      d = (await stack.t.call("GET", `/api/v1/deployments/${id}`, { as: stack.owner })).body.data;
    }
    if (process.env.BENCH_VERBOSE) {
      for (const e of d.deploy_log) console.log(`#   ${e.timestamp} ${e.status} ${e.phase} ${e.message}`);
    }
    rows.push(
      `# round ${round}: push-to-live ${live.toFixed(0)} ms (build+push ${d.build_duration_ms} ms, deploy ${d.deploy_duration_ms} ms)${round === 1 ? " [cold layer cache for the COPY]" : ""}`,
    );
    console.log(rows.at(-1));
  }
} finally {
  await worker?.stop();
  await stack.close();
  await repo.cleanup();
}
