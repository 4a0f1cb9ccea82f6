import fs from "node:fs/promises";
import { saveAdmissionRate, savedAdmissionRate } from "./agents/admission-rate";
import { AGENT_LISTEN_BACKLOG, type AgentEndpoint, startAgentEndpoint } from "./agents/endpoint";
import { startAiWorker } from "./ai/worker";
import { startAlertWorker } from "./alerts/worker";
import { buildApp } from "./app";
import { pruneExpiredSessions } from "./auth/sessions";
import { startBuildWorker } from "./builds/start-worker";
import { type Config, ConfigError, loadConfig } from "./config";
import { openDatabase } from "./db/client";
import { migrate } from "./db/migrate";
import { startPgliteAnalyze } from "./db/pglite-analyze";
import { startDomainChecker } from "./domains/domains";
import { type LocalAgent, startLocalAgent } from "./local-agent";
import { createLogger } from "./logger";
import { REGISTRY_TOKEN_PATH } from "./registry/routes";
import { loadTokenSigningKey } from "./registry/signing-key";
import { TOKEN_ISSUER } from "./registry/token-server";
import { moveLegacyHostMetrics } from "./telemetry/legacy-host-metrics";
import { openTelemetryStore } from "./telemetry/store/open";
import { createDeps } from "./wiring";

async function start(config: Config): Promise<void> {
  const logger = createLogger(config);
  // The data dir holds the database and the master key: this user only.
  await fs.mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const database = await openDatabase(config);
  const applied = await migrate(database);
  if (applied.length > 0) logger.info({ applied }, "database migrated");
  // PGlite runs no autovacuum: the planner's statistics are refreshed here, as autovacuum would.
  const stopAnalyze = startPgliteAnalyze(database, logger);
  const telemetry = await openTelemetryStore({ ...config.telemetry, dataDir: config.dataDir });
  const registry = config.builds.registry;
  if (registry?.auth.mode === "token") {
    // Made now, so the registry can be configured (and restarted) before any token is asked for.
    const { certificatePath } = await loadTokenSigningKey(config.dataDir);
    logger.info(
      {
        realm: `${config.publicUrl}${REGISTRY_TOKEN_PATH}`,
        service: registry.auth.service,
        issuer: TOKEN_ISSUER,
        rootcertbundle: certificatePath,
      },
      "registry token server: configure the registry's auth.token with these",
    );
  }
  const deps = await createDeps(config, { database, logger, telemetry });
  const replicas = await deps.cluster.liveReplicas();
  if (replicas.size > 1 && telemetry.kind === "chdb") {
    logger.warn(
      { replicas: replicas.size },
      "several replicas share this database but telemetry goes to this process's own chDB: set CLICKHOUSE_URL on every replica",
    );
  }
  const { agents, now } = deps;
  // The agents of the process before this one come back at the pace it measured, not at the configured guess.
  const measuredRate = await savedAdmissionRate(config.dataDir);
  if (measuredRate) agents.admissionRate.resume(measuredRate);
  // The agents of the process before this one come back all at once: their tokens and certificates are known first.
  for (const cache of [agents.credentials, agents.certificates]) {
    await cache.warm(database.db, now().getTime()).catch((err: unknown) => {
      logger.warn({ err }, "agent credentials not preloaded");
    });
  }
  const app = await buildApp(deps);
  // Host metrics an older version kept in PostgreSQL move to the telemetry store while the control plane serves.
  void moveLegacyHostMetrics(deps)
    .then((moved) => {
      if (moved > 0)
        logger.info({ moved }, "host metrics recorded before migration 0031 copied to the telemetry store");
    })
    .catch((err: unknown) =>
      logger.warn({ err }, "host metrics before migration 0031 not copied yet; retried at the next start"),
    );
  const pruner = setInterval(() => {
    // Once across the replicas: the one that takes the lock prunes, the others skip this hour.
    void deps.cluster
      .tryLock("hourly-pruning", async () => {
        await pruneExpiredSessions(deps).catch((err: unknown) => logger.warn({ err }, "session pruning failed"));
      })
      .catch((err: unknown) => logger.warn({ err }, "pruning skipped: the cluster lock could not be taken"));
  }, 3_600_000);
  pruner.unref();
  const domainChecker = startDomainChecker(deps, config.domains.checkSeconds * 1000);
  const buildWorker = config.builds.enabled ? await startBuildWorker(deps) : null;
  const aiWorker = startAiWorker(deps);
  deps.aiWorker = aiWorker;
  const alertWorker = startAlertWorker(deps);
  deps.alerts = alertWorker;

  let localAgent: LocalAgent | null = null;
  let agentEndpoint: AgentEndpoint | null = null;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    clearInterval(pruner);
    domainChecker.stop();
    // Running builds go back to the queue and start again at the next start.
    await buildWorker?.stop();
    await alertWorker.stop();
    await aiWorker.stop();
    await localAgent?.stop();
    // Stop accepting, let in-flight requests finish (closing the agents' sockets), then close the store so
    // PGlite flushes to disk.
    await agentEndpoint?.close();
    await app.close();
    await agents.close();
    await saveAdmissionRate(config.dataDir, agents.admissionRate).catch((err: unknown) =>
      logger.warn({ err }, "the measured agent admission rate could not be saved"),
    );
    // After the agents left: the other replicas see this one gone and take over its jobs' locks.
    await deps.cluster.close();
    // After the agents: their last batches are stored (and acknowledged) before the store closes.
    await telemetry.close();
    await stopAnalyze();
    await database.close();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  await app.listen({ host: config.host, port: config.port, backlog: AGENT_LISTEN_BACKLOG });
  agentEndpoint = await startAgentEndpoint(deps);
  localAgent = config.localAgent.enabled
    ? await startLocalAgent(deps, { url: `http://${localHost(config.host)}:${config.port}`, env: { ...process.env } })
    : null;
  logger.info(
    { url: config.publicUrl, database: database.kind, telemetry: telemetry.kind, data_dir: config.dataDir },
    "Syntra control plane ready",
  );
}

// The local agent reaches this process directly, not through a public URL or proxy.
function localHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

try {
  await start(loadConfig());
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
