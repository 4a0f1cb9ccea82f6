import fs from "node:fs/promises";
import { TELEMETRY_BINARY_CAPABILITY, type UpdateAgentPayload } from "@syntra/contracts";
import pino from "pino";
import { AlertMonitor } from "./alerts";
import { CertificateReporter, observeRoutes } from "./certificates";
import type { AgentConfig } from "./config";
import { AgentConnection, type ConnectionTarget } from "./connection";
import { Deployer } from "./deploy/deployer";
import { Dispatcher } from "./dispatcher";
import { AgentError } from "./errors";
import { Heartbeat } from "./heartbeat";
import { IdleCollector } from "./host/idle-collector";
import { ResourceSampler } from "./host/resource-sampler";
import { readHostFacts } from "./host/system-info";
import { loadAgentId } from "./identity";
import { MonitorScheduler } from "./monitors/scheduler";
import { OomWatcher } from "./oom-watcher";
import { CaddyRouter } from "./proxy/caddy";
import { TraefikRouter } from "./proxy/traefik";
import type { Router } from "./proxy/types";
import { RequestLog } from "./request-log";
import { RoutesReporter } from "./routes-report";
import { DockerRuntime } from "./runtime/docker";
import { startTelemetry, type TelemetryPipeline } from "./telemetry/pipeline";
import { tlsOptions } from "./tls/credentials";
import { CertificateRenewer, obtainAuth } from "./tls/enrolment";
import {
  bundleLayout,
  commitTrial,
  isTrial,
  settleFailedTrial,
  stageUpdate,
  trialTimeoutMs,
} from "./update/self-update";
import { AGENT_PROTOCOL, AGENT_VERSION, SELF_UPDATE_CAPABILITY } from "./version";

/** A running agent; `stop` ends it cleanly (containers keep running). */
export interface RunningAgent {
  stop(): Promise<void>;
}

/** How the agent process ends when it restarts itself (self-update) or gives up a trial; main.ts exits. */
export interface AgentProcess {
  exit(code: number): void;
}

/** Wires the agent together and connects it to the control plane. */
export async function startAgent(
  config: AgentConfig,
  proc: AgentProcess = { exit: (code) => process.exit(code) },
): Promise<RunningAgent> {
  const logger = pino({
    level: config.logLevel,
    base: { component: "syntra-agent" },
    redact: { paths: ["token", "*.token", "password", "*.password", "env_vars", "*.env_vars"], censor: "[redacted]" },
  });
  await fs.mkdir(config.stateDir, { recursive: true, mode: 0o700 });
  const agentId = await loadAgentId(config.stateDir);
  // Self-update: the bundle layout (none when run from the sources), a trial to confirm, a failed trial to report.
  const layout = bundleLayout();
  const trial = layout !== null && isTrial(layout);
  const updateResult = layout && !trial ? await settleFailedTrial(layout, config.stateDir, AGENT_VERSION) : undefined;
  const auth = await obtainAuth({
    stateDir: config.stateDir,
    controlPlaneUrl: config.controlPlaneUrl,
    token: config.token,
    agentId,
    logger,
    maxBackoffMs: config.maxBackoffMs,
  });
  let creds = auth.kind === "certificate" ? auth.creds : undefined;
  const trialTimer = trial ? await startTrialTimer(config.stateDir, logger, () => void leave(1)) : undefined;
  const runtime = new DockerRuntime({ socketPath: config.dockerSocket });
  const runtimeVersion = await runtime.version();
  const caddy = new CaddyRouter({
    adminUrl: config.caddyAdminUrl,
    httpPort: config.proxyHttpPort,
    ...(config.proxyListenHost && { listenHost: config.proxyListenHost }),
    httpsPort: config.proxyHttpsPort,
    tls: config.proxyTls,
    manage: { binary: "caddy", configDir: `${config.stateDir}/caddy` },
    acme: config.acme,
    logger,
  });
  // Constructing the Caddy router does nothing until start(); with Traefik chosen it is simply not used.
  const router: Router = config.proxy === "traefik" ? traefikRouter(config, logger) : caddy;
  await router.start();
  // Filled in below, once the connection exists; route changes before that are covered by the first hello.
  let certificates: CertificateReporter | undefined;
  const routes = observeRoutes(router, () => certificates?.routesChanged());
  let telemetry: TelemetryPipeline | undefined;
  const deployer = new Deployer({
    runtime,
    router: routes,
    stateDir: config.stateDir,
    logger,
    now: () => new Date(),
    onHealthResult: (result) =>
      void telemetry?.intake.acceptContract({ healthChecks: [result] }).catch((err: unknown) => {
        logger.debug({ err }, "health check result not buffered");
      }),
  });
  deployer.startMonitor();
  const requests = await RequestLog.open(config.stateDir);

  // Filled in below; the connection's callbacks run only after start().
  let dispatcher: Dispatcher | undefined;
  let heartbeat: Heartbeat | undefined;
  let routesReporter: RoutesReporter | undefined;
  // Deploys carry their service's ingest keys, so its apps are accepted before the next ingest_keys list.
  const handle = (message: Parameters<Dispatcher["handle"]>[0]) => {
    if (message.type === "deploy") {
      telemetry?.keys
        .add(message.payload.telemetry?.ingest_keys ?? [])
        .catch((err: unknown) => logger.warn({ err }, "could not save a deploy's ingest keys"));
    }
    dispatcher?.handle(message);
  };
  const connection = new AgentConnection({
    target: (): ConnectionTarget =>
      creds
        ? { url: `${creds.endpointUrl}/agent/ws`, headers: {}, tls: tlsOptions(creds) }
        : {
            url: `${config.controlPlaneUrl.replace(/^http/, "ws")}/agent/ws`,
            headers: { authorization: `Bearer ${auth.kind === "token" ? auth.token : ""}` },
          },
    logger,
    maxBackoffMs: config.maxBackoffMs,
    hello: async () => ({
      agent_id: agentId,
      server_id: config.serverId,
      version: AGENT_VERSION,
      protocol_version: AGENT_PROTOCOL.current,
      min_supported: AGENT_PROTOCOL.minSupported,
      runtime: runtimeVersion.name,
      runtime_version: runtimeVersion.version,
      capabilities: [
        "docker",
        config.proxy,
        TELEMETRY_BINARY_CAPABILITY,
        ...(layout && creds ? [SELF_UPDATE_CAPABILITY] : []),
      ],
      ...(await readHostFacts(config.stateDir, config.publicIp)),
      ...(updateResult && { update_result: updateResult }),
      proxy: { http_port: config.proxyHttpPort, https_port: config.proxyHttpsPort, tls: config.proxyTls },
    }),
    onAccepted: (ack) => {
      logger.level = ack.config.log_level;
      if (trial && layout && trialTimer) {
        clearTimeout(trialTimer);
        commitTrial(layout, config.stateDir).then(
          () => logger.info({ version: AGENT_VERSION }, "update confirmed: this version is now the agent's"),
          (err: unknown) => logger.error({ err }, "could not make the updated bundle current"),
        );
      }
      logger.info(
        { server: ack.server_name, pending: ack.pending_deployments.length },
        "connected to the control plane",
      );
      heartbeat?.start(ack.config.heartbeat_interval_seconds);
      certificates?.connected();
      // The control plane compares them with what it wants routed (changes made while we were away, a lost route).
      routesReporter?.report();
      telemetry?.connected(ack);
      for (const deploy of ack.pending_deployments) {
        handle({
          id: deploy.request_id,
          type: "deploy",
          timestamp: new Date().toISOString(),
          payload: deploy,
        });
      }
    },
    onMessage: (message) => handle(message),
    onTelemetry: (message) => telemetry?.handle(message),
    onDisconnected: () => {
      heartbeat?.stop();
      dispatcher?.cancelSubscriptions();
    },
    onRejected: (ack) => {
      // Too old for this control plane: update when it says where to, or wait to be reinstalled.
      if (ack.update)
        void selfUpdate(ack.update).then(
          () => leave(0),
          (err: unknown) => {
            logger.error({ err: (err as Error).message }, "the update the control plane asked for failed");
          },
        );
    },
  });
  const selfUpdate = async (payload: UpdateAgentPayload) => {
    if (!layout || !creds) {
      throw new AgentError(
        "NOT_SUPPORTED",
        "This agent cannot update itself (not run from an installed bundle, or not enrolled); run the install command again",
      );
    }
    return stageUpdate({ layout, creds, stateDir: config.stateDir, runningVersion: AGENT_VERSION, payload, logger });
  };
  const renewer = creds
    ? new CertificateRenewer({
        stateDir: config.stateDir,
        agentId,
        logger,
        current: () => creds as NonNullable<typeof creds>,
        renewed: (fresh) => {
          creds = fresh;
          connection.reconnect("certificate renewed");
        },
      })
    : undefined;
  routesReporter = new RoutesReporter({ router, workloads: deployer, connection, serverId: config.serverId, logger });
  const reporter = routesReporter;
  const monitors = new MonitorScheduler(connection, logger);
  dispatcher = new Dispatcher({
    connection,
    requests,
    workloads: deployer,
    runtime,
    logger,
    routesChanged: () => reporter.report(),
    selfUpdate: { stage: selfUpdate, restart: () => void leave(0) },
    monitors,
  });
  telemetry = await startTelemetry({
    config,
    agentId,
    channel: connection,
    logger,
    hosts: await otlpHosts(config, runtime, logger),
    deploymentOf: (serviceId) => deployer.currentDeployment(serviceId),
    containers: { docker: runtime.docker, runtime, owns: (serviceId) => deployer.deploys(serviceId) },
    scrapeTargets: () => deployer.scrapeTargets(),
  });
  const { serverId, certCheckSeconds: checkSeconds } = config;
  certificates = new CertificateReporter({ router, connection, serverId, logger, checkSeconds });
  certificates.start();
  const ooms = new OomWatcher({
    docker: runtime.docker,
    serverId,
    logger,
    owns: (serviceId) => deployer.deploys(serviceId),
    send: (alert) => connection.send("alert", alert),
  });
  await ooms.start().catch((err) => logger.warn({ err }, "OOM kills cannot be reported: no Docker event stream"));
  // Start-up's garbage (the modules' set-up, an enrolment's certificate request) goes once the first heartbeat is
  // out; then whatever the idle agent's timers leave, at most once a minute.
  const idleCollector = new IdleCollector({ logger });
  heartbeat = new Heartbeat({
    agentId,
    connection,
    sampler: new ResourceSampler(config.stateDir),
    runtime,
    serviceStatuses: () => deployer.serviceStatuses(),
    alerts: new AlertMonitor(config.serverId),
    logger,
    afterBeat: () =>
      void idleCollector.startUpDone().catch((err: unknown) => logger.warn({ err }, "garbage collection failed")),
  });

  // Deployments this agent was in the middle of when it last stopped are settled before anything new runs.
  for (const status of await deployer.recover()) connection.send("deploy_status", status);
  connection.start();
  renewer?.start();
  idleCollector.start();
  logger.info(
    { agent_id: agentId, control_plane: config.controlPlaneUrl, version: AGENT_VERSION, trial, auth: auth.kind },
    "agent started",
  );

  let stopped: Promise<void> | undefined;
  // Containers and the proxy keep serving while the agent restarts; the next agent reattaches to both.
  const stop = () => {
    stopped ??= (async () => {
      clearTimeout(trialTimer);
      renewer?.stop();
      idleCollector.stop();
      monitors.stop();
      await telemetry?.stop();
      heartbeat?.stop();
      certificates?.stop();
      ooms.stop();
      dispatcher?.cancelSubscriptions();
      deployer.close();
      await connection.stop();
      // Caddy serves on without us: fallback upstreams naming a container that no longer serves become the ones
      // serving now (a fallback listing some of them stays, so a restart after a rolling deploy does not reload).
      await router
        .detach()
        .catch((err: unknown) => logger.warn({ err }, "could not hand the routes over to the proxy"));
      logger.info("agent stopped");
    })();
    return stopped;
  };
  // Ends this process for its supervisor to start the launcher again (an update staged, or a trial given up).
  const leave = async (code: number) => {
    await stop();
    proc.exit(code);
  };
  return { stop };
}

/** A trial that has not connected in time exits, so the launcher goes back to the bundle it replaced. */
async function startTrialTimer(stateDir: string, logger: pino.Logger, giveUp: () => void): Promise<NodeJS.Timeout> {
  const ms = await trialTimeoutMs(stateDir);
  logger.info({ version: AGENT_VERSION, timeout_ms: ms }, "running an update on trial: it must connect in time");
  return setTimeout(() => {
    logger.error({ version: AGENT_VERSION }, "the updated agent did not connect in time: going back");
    giveUp();
  }, ms);
}

/** The OTLP receivers' addresses: `docker-bridge` becomes the bridge's gateway (left out, said, when there is none). */
async function otlpHosts(config: AgentConfig, runtime: DockerRuntime, logger: pino.Logger): Promise<string[]> {
  const hosts: string[] = [];
  for (const host of config.telemetry.hosts) {
    if (host !== "docker-bridge") {
      hosts.push(host);
      continue;
    }
    const gateway = await runtime.bridgeGateway();
    if (gateway) hosts.push(gateway);
    else logger.warn("Docker's bridge network has no gateway: containers cannot reach the OTLP receivers");
  }
  return [...new Set(hosts)];
}

/**
 * With SYNTRA_PROXY=traefik: Traefik runs on its own (its static configuration names the entrypoints "web" and
 * "websecure", the resolver, and a file provider watching `traefikDir`); the agent only writes that directory.
 */
function traefikRouter(config: AgentConfig, logger: pino.Logger): TraefikRouter {
  return new TraefikRouter({
    configDir: config.traefikDir,
    certResolver: config.traefikCertResolver,
    tls: config.proxyTls,
    httpsPort: config.proxyHttpsPort,
    ...(config.traefikAcmeStorage ? { acmeStorage: config.traefikAcmeStorage } : {}),
    logger,
  });
}
