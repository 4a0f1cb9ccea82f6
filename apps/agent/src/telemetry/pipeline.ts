import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type ControlPlaneToAgentMessage, type HelloAckPayload, TELEMETRY_BROTLI_CAPABILITY } from "@syntra/contracts";
import type Dockerode from "dockerode";
import type { Logger } from "pino";
import type { AgentConfig } from "../config";
import type { ContainerRuntime } from "../runtime/types";
import { TelemetryBuffer } from "./buffer";
import { ContainerLogCollector } from "./container-logs";
import { IngestKeyRing } from "./ingest-keys";
import { TelemetryIntake } from "./intake";
import { OtlpGrpcReceiver } from "./receiver-grpc";
import { OtlpHttpReceiver } from "./receiver-http";
import { AdaptiveSampler } from "./sampler";
import { PrometheusScraper, type ScrapeTarget } from "./scraper";
import { type BatchChannel, TelemetryShipper } from "./shipper";
import { TelemetryStats } from "./stats";

type TelemetryMessage = Extract<ControlPlaneToAgentMessage, { type: "telemetry_ack" | "ingest_keys" }>;

/** The agent's telemetry pipeline, running. */
export interface TelemetryPipeline {
  intake: TelemetryIntake;
  keys: IngestKeyRing;
  shipper: TelemetryShipper;
  /** Where the receivers listen (`host:port`). */
  grpcAddresses: string[];
  httpAddresses: string[];
  /** The control plane accepted the agent: settings from hello_ack, and unanswered batches go again. */
  connected(ack: Extract<HelloAckPayload, { accepted: true }>): void;
  /** A telemetry_ack or ingest_keys message. */
  handle(message: TelemetryMessage): void;
  stop(): Promise<void>;
}

/** What the pipeline needs from the rest of the agent. */
export interface PipelineDeps {
  config: Pick<AgentConfig, "stateDir" | "telemetry">;
  agentId: string;
  channel: BatchChannel;
  logger: Logger;
  /** Addresses to listen on, `docker-bridge` already replaced by the bridge's gateway (or left out). */
  hosts: string[];
  /** The service's current deployment on this server. */
  deploymentOf: (serviceId: string) => string | undefined;
  /** Services to scrape for Prometheus metrics (their deploy's `metrics_scrape`). */
  scrapeTargets?: () => Promise<ScrapeTarget[]>;
  /**
   * Where container output is read from (with SYNTRA_CONTAINER_LOGS), and which services' containers are this
   * agent's (only those are followed: an engine can hold other agents' or tests' Syntra containers).
   */
  containers?: { docker: Dockerode; runtime: ContainerRuntime; owns: (serviceId: string) => Promise<boolean> };
}

const MiB = 1024 * 1024;

/**
 * Opens the buffer (recovering what a previous run left), starts the OTLP receivers and delivery. Batches are sent
 * once the connection is accepted (`connected`).
 */
export async function startTelemetry(deps: PipelineDeps): Promise<TelemetryPipeline> {
  const { config, logger } = deps;
  const dir = path.join(config.stateDir, "telemetry");
  const log = logger.child({ component: "telemetry" });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stats = await TelemetryStats.open(dir);
  const maxBody = config.telemetry.maxBodyBytes;
  const buffer = await TelemetryBuffer.open(
    dir,
    { maxBatchBytes: 8 * MiB, memoryMaxBytes: 50 * MiB, diskMaxBytes: config.telemetry.diskMaxBytes },
    stats,
  );
  const keys = await IngestKeyRing.open(dir);
  const shipper = new TelemetryShipper(buffer, stats, deps.channel, log, { agentId: deps.agentId });
  const intake = new TelemetryIntake({
    keys,
    buffer,
    sampler: new AdaptiveSampler({ spanBudgetPerSecond: config.telemetry.spanBudgetPerSecond }),
    stats,
    deploymentOf: deps.deploymentOf,
    onFull: () => shipper.kick(),
    maxInFlightBytes: Math.max(64 * MiB, 2 * maxBody),
  });
  const http = new OtlpHttpReceiver(intake, { maxBodyBytes: maxBody, maxDecompressedBytes: maxBody }, log);
  const grpc = new OtlpGrpcReceiver(intake, maxBody, log);
  // A receiver that cannot listen (its port taken) is reported loudly, but deploys and the rest keep working.
  const listen = async (name: string, port: number, start: () => Promise<string[]>): Promise<string[]> => {
    if (port <= 0) return [];
    try {
      return await start();
    } catch (err) {
      log.error({ err, port }, `the ${name} receiver could not listen: apps cannot send telemetry to this agent`);
      return [];
    }
  };
  const httpAddresses = await listen("OTLP/HTTP", config.telemetry.httpPort, () =>
    http.listen(deps.hosts, config.telemetry.httpPort),
  );
  const grpcAddresses = await listen("OTLP/gRPC", config.telemetry.grpcPort, () =>
    grpc.listen(deps.hosts, config.telemetry.grpcPort),
  );
  const recovered = buffer.pending().length;
  log.info(
    { otlp_http: httpAddresses, otlp_grpc: grpcAddresses, recovered_batches: recovered },
    "OTLP receivers listening",
  );
  shipper.start(5);
  const collector =
    config.telemetry.containerLogs && deps.containers
      ? new ContainerLogCollector({
          ...deps.containers,
          accept: (logs) => intake.acceptContract({ logs }),
          dir,
          logger: log,
        })
      : null;
  await collector?.start().catch((err: unknown) => log.error({ err }, "container log collection could not start"));
  const scraper = deps.scrapeTargets
    ? new PrometheusScraper({
        targets: deps.scrapeTargets,
        accept: (metrics) => intake.acceptContract({ metrics }),
        logger: log,
      })
    : null;
  scraper?.start();

  return {
    intake,
    keys,
    shipper,
    grpcAddresses,
    httpAddresses,
    connected: (ack) => {
      buffer.setMemoryLimit(ack.config.telemetry_buffer_max_mb * MiB);
      buffer.brotli = ack.capabilities?.includes(TELEMETRY_BROTLI_CAPABILITY) ?? false;
      shipper.start(ack.config.telemetry_batch_interval_seconds);
      shipper.connected({ brotli: buffer.brotli });
    },
    handle: (message) => {
      if (message.type === "telemetry_ack") {
        shipper.acknowledged(message.payload).catch((err: unknown) => log.error({ err }, "telemetry ack failed"));
        return;
      }
      keys.replace(message.payload.keys).catch((err: unknown) => log.error({ err }, "could not save ingest keys"));
    },
    stop: async () => {
      scraper?.stop();
      await collector?.stop();
      shipper.stop();
      await Promise.all([http.close(), grpc.close()]);
      await buffer.cut().catch((err: unknown) => log.warn({ err }, "could not cut the last telemetry batch"));
      await buffer.close();
    },
  };
}
