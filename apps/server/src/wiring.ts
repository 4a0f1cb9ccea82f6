import type { Logger } from "pino";
import { createHubDispatcher, type HubEventHandlers, hubEventHandlers } from "./agents/events";
import { createAgentHub } from "./agents/hub";
import { createAiEngine } from "./ai/engine";
import { LoginRateLimiter } from "./auth/login-rate-limit";
import { PasswordResetLimiter } from "./auth/password-reset-limit";
import { openClusterBus } from "./cluster/open";
import type { Config } from "./config";
import type { Database } from "./db/client";
import type { AppDeps } from "./deps";
import { LiveBus } from "./live/bus";
import { createLogger } from "./logger";
import { createMailer } from "./mail/transport";
import { loadKeyring } from "./secrets/keyring";
import type { TelemetryStore } from "./telemetry/store/types";

/** What differs between the running product and a test: the store, and the parts a test replaces. */
export interface WiringOptions {
  /** An open, migrated store. */
  database: Database;
  /** The open telemetry store (chDB in-process, or a ClickHouse server). */
  telemetry: TelemetryStore;
  /** Default: the configured logger on stdout. Tests pass one writing into memory. */
  logger?: Logger;
  /** Default: the system clock. Tests pass one they can move. */
  now?: () => Date;
  /** Default: the global fetch. Tests point outgoing HTTP at local stand-ins. */
  fetch?: typeof fetch;
  /** Default: `hubEventHandlers`, the domains' handlers. Tests wrap them to watch events arrive. */
  hubEventHandlers?: (deps: AppDeps) => HubEventHandlers;
}

/**
 * Builds the control plane's dependencies once, for `main.ts` and the test harness alike, and starts the agent
 * hub with its event dispatcher. The build worker is not started here: `builds` stays null until
 * `startBuildWorker` sets it (only where builds are enabled).
 */
export async function createDeps(config: Config, opts: WiringOptions): Promise<AppDeps> {
  const logger = opts.logger ?? createLogger(config);
  const now = opts.now ?? (() => new Date());
  const keyring = await loadKeyring(config);
  const cluster = await openClusterBus(config, opts.database, keyring, logger);
  const deps: AppDeps = {
    agents: createAgentHub(config, opts.database.db, logger, now, cluster),
    ai: createAiEngine(config.ai, opts.fetch ?? globalThis.fetch),
    cluster,
    config,
    database: opts.database,
    db: opts.database.db,
    keyring,
    logger,
    live: new LiveBus(cluster),
    builds: null,
    alerts: null,
    aiWorker: null,
    loginLimiter: new LoginRateLimiter(config.loginMaxAttempts, config.loginWindowSeconds * 1000, now),
    mailer: createMailer(config.mail, logger),
    resetLimiter: new PasswordResetLimiter(now),
    telemetry: opts.telemetry,
    now,
    fetch: opts.fetch ?? globalThis.fetch,
  };
  deps.agents.start(createHubDispatcher(deps, (opts.hubEventHandlers ?? hubEventHandlers)(deps)));
  await deps.agents.cluster.start();
  return deps;
}
