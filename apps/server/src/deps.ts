import type { Logger } from "pino";
import type { AgentHub } from "./agents/hub";
import type { AiEngine } from "./ai/engine";
import type { AiWorker } from "./ai/worker";
import type { AlertWorker } from "./alerts/worker";
import type { LoginRateLimiter } from "./auth/login-rate-limit";
import type { PasswordResetLimiter } from "./auth/password-reset-limit";
import type { DiskUsage } from "./builds/builder";
import type { ClusterBus } from "./cluster/bus";
import type { Config } from "./config";
import type { Database, Db } from "./db/client";
import type { LiveBus } from "./live/bus";
import type { Mailer } from "./mail/transport";
import type { Keyring } from "./secrets/keyring";
import type { TelemetryStore } from "./telemetry/store/types";

/** Everything domain code needs from the outside, handed in rather than imported. */
export interface AppDeps {
  /** The agents' WebSocket connections: commands to servers, their liveness and latest state. */
  agents: AgentHub;
  /** The AI engine: on or off (SYNTRA_AI), its provider, the analyses in progress. */
  ai: AiEngine;
  /** The other control-plane replicas on the same PostgreSQL (none with PGlite): messages, presence, job locks. */
  cluster: ClusterBus;
  config: Config;
  database: Database;
  db: Db;
  keyring: Keyring;
  /** The build worker of this process, if it runs one: told when builds are queued or cancelled. */
  builds: BuildQueueHandle | null;
  /** The alert worker of this process, if it runs one: told when notifications are queued or rules saved by a request. */
  alerts: Pick<AlertWorker, "kick" | "rulesChanged"> | null;
  /** The background AI worker of this process, if it runs one: woken when issues or incidents are created here. */
  aiWorker: Pick<AiWorker, "wake"> | null;
  /** Live events (deployment progress, build logs, server status) for the dashboard's streams. */
  live: LiveBus;
  logger: Logger;
  loginLimiter: LoginRateLimiter;
  /** Outgoing mail (password resets, invitations); null when no SMTP server is configured. */
  mailer: Mailer | null;
  /** Limits password reset emails per address and per client. */
  resetLimiter: PasswordResetLimiter;
  /** Spans, logs and metrics: chDB in-process, or a ClickHouse server (CLICKHOUSE_URL). */
  telemetry: TelemetryStore;
  /** The clock; tests move it to check expiry. */
  now: () => Date;
  /** Outgoing HTTP (OAuth exchanges); a parameter so tests can point it at local stand-ins. */
  fetch: typeof fetch;
}

/** What request handlers need of the build worker. */
export interface BuildQueueHandle {
  /** A build was queued: look at the queue now rather than at the next poll. */
  kick(): void;
  /** Aborts a build running in this process (its row is already cancelled); false when it runs elsewhere. */
  cancel(deploymentId: string): boolean;
  /** Disk the build host's Docker engine uses (images, build cache, Syntra's images). */
  diskUsage?(): Promise<DiskUsage>;
}
