import os from "node:os";
import { format } from "node:util";
import {
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  type Resource,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import { carrier } from "../core/api";
import { Client, type Platform, SDK_INFO } from "../core/client";
import { consoleBreadcrumbs } from "../core/console";
import { originalConsole } from "../core/debug";
import type { Dsn } from "../core/dsn";
import type { RuntimeInfo } from "../core/event";
import { resolveIntegrations } from "../core/integrations";
import { resolveOptions } from "../core/options";
import type { Integration, Options, ResolvedOptions } from "../core/types";
import { installAsyncScopes } from "./async-scopes";
import { httpBreadcrumbs } from "./http-breadcrumbs";
import { httpServerScopes } from "./http-server";
import { instrumentations } from "./instrumentations";
import { setupLogs } from "./logs";
import { moduleOf } from "./module-name";
import { flushOnExit, uncaughtExceptionHandler, unhandledRejectionHandler } from "./process-handlers";
import { nodeSender } from "./send";
import { addSourceContext } from "./source-context";
import { activeSpanIds, CapturedStacks, setupTracing } from "./tracing";

function runtimeInfo(): RuntimeInfo {
  return {
    tags: { runtime: `node ${process.versions.node}`, os: `${os.type()} ${os.release()}`, server_name: os.hostname() },
    contexts: {
      runtime: { name: "node", version: process.versions.node },
      os: { name: os.type(), version: os.release(), arch: os.arch() },
    },
  };
}

/** The OTel resource of traces and logs: what the environment says, plus release, environment and the SDK. */
export function sdkResource(options: ResolvedOptions): Resource {
  const detected = detectResources({ detectors: [envDetector, processDetector, hostDetector] });
  const ours: Record<string, string> = {
    "deployment.environment.name": options.environment,
    "telemetry.distro.name": "@syntra/sdk",
    "telemetry.distro.version": SDK_INFO.version,
  };
  if (options.release) ours["service.version"] = options.release;
  if (options.serviceName) ours["service.name"] = options.serviceName;
  if (options.deploymentId) ours["deployment.id"] = options.deploymentId;
  return detected.merge(resourceFromAttributes(ours));
}

/** Traces through OpenTelemetry (see tracing.ts), as an integration so close() shuts it down. */
function tracingIntegration(dsn: Dsn, options: ResolvedOptions, captured: CapturedStacks): Integration {
  let flush: (() => Promise<void>) | undefined;
  return {
    name: "Tracing",
    setup() {
      const tracing = setupTracing(dsn, sdkResource(options), options.tracesSampleRate, captured);
      flush = () => tracing.provider.forceFlush();
      return () => tracing.shutdown();
    },
    flush: () => flush?.() ?? Promise.resolve(),
  };
}

/** Console output as OTel log records (see logs.ts). */
function logsIntegration(dsn: Dsn, options: ResolvedOptions): Integration {
  let flush: (() => Promise<void>) | undefined;
  return {
    name: "ConsoleLogs",
    setup() {
      const handle = setupLogs(dsn, sdkResource(options));
      flush = handle.flush;
      return () => handle.shutdown();
    },
    flush: () => flush?.() ?? Promise.resolve(),
  };
}

/** The integrations init() sets up on Node unless told otherwise. */
export function defaultNodeIntegrations(options: ResolvedOptions, captured: CapturedStacks): Integration[] {
  const list: Integration[] = [
    consoleBreadcrumbs((args) => format(...args)),
    httpBreadcrumbs(),
    httpServerScopes(),
    uncaughtExceptionHandler(),
    unhandledRejectionHandler(),
    flushOnExit(),
  ];
  if (options.dsn && options.tracing) list.push(tracingIntegration(options.dsn, options, captured));
  if (options.dsn && options.logs) list.push(logsIntegration(options.dsn, options));
  return list;
}

/**
 * Starts the SDK on Node: `init({ dsn })`, or `init()` in a container Syntra deployed (SYNTRA_DSN and the release
 * come from its environment). Without a DSN the API works and sends nothing. Calling init again replaces the client.
 */
export function init(options: Options = {}): Client {
  installAsyncScopes();
  const c = carrier();
  const previous = c.client;
  if (previous) void previous.close(0);
  const { options: resolved, dsnProblem } = resolveOptions(options, process.env);
  if (dsnProblem) originalConsole.error(`[syntra] ${dsnProblem}; nothing will be sent.`);
  c.root.setMaxBreadcrumbs(resolved.maxBreadcrumbs);
  const captured = new CapturedStacks();
  const platform: Platform = {
    get scopes() {
      return carrier().scopes;
    },
    sender: resolved.dsn ? nodeSender(resolved.dsn) : async () => ({ status: 0 }),
    runtime: runtimeInfo,
    moduleOf: (filename) => moduleOf(filename),
    addSourceContext,
    activeSpan: activeSpanIds,
    captured: (error, id) => captured.remember(error, id),
  };
  const client = new Client(resolved, platform);
  c.client = client;
  if (!client.enabled) {
    client.log("no DSN (set SYNTRA_DSN or pass dsn): events are not sent");
    return client;
  }
  // Without the SDK's tracing the instrumentations made at load stay off: the app's own OpenTelemetry setup has its own.
  if (!resolved.tracing) for (const i of instrumentations) i.disable();
  client.setupIntegrations(resolveIntegrations(defaultNodeIntegrations(resolved, captured), options.integrations));
  client.log(`sending to ${resolved.dsn?.baseUrl} (release "${resolved.release}", ${resolved.environment})`);
  return client;
}
