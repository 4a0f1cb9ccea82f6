// @syntra/sdk in browsers (and Web Workers, Next.js's edge runtime): errors only, no OpenTelemetry, kept small.
// `import { Syntra } from "@syntra/sdk"; Syntra.init({ dsn })`.
import { carrier, coreApi } from "../core/api";
import { Client, type Platform } from "../core/client";
import { consoleBreadcrumbs } from "../core/console";
import { originalConsole } from "../core/debug";
import { resolveIntegrations } from "../core/integrations";
import { resolveOptions } from "../core/options";
import type { Integration, Options } from "../core/types";
import { clickBreadcrumbs, fetchBreadcrumbs, navigationBreadcrumbs } from "./breadcrumbs";
import { globalHandlers } from "./global-handlers";
import { browserRuntime, pageRequest } from "./runtime";
import { beaconSender, fetchSender } from "./send";

/**
 * Sends what is queued with sendBeacon when the page is hidden or left: fetch requests started then may be cut
 * off, beacons are delivered by the browser after the page is gone.
 */
function beaconOnHide(client: Client): Integration {
  return {
    name: "BeaconOnPageHide",
    setup() {
      const dsn = client.options.dsn;
      const beacon = dsn ? beaconSender(dsn) : undefined;
      if (!beacon || typeof addEventListener !== "function") return undefined;
      const drain = () => client.eventTransport?.drainWith(beacon);
      const onVisibility = () => {
        if (document.visibilityState === "hidden") drain();
      };
      addEventListener("pagehide", drain);
      document.addEventListener("visibilitychange", onVisibility);
      return () => {
        removeEventListener("pagehide", drain);
        document.removeEventListener("visibilitychange", onVisibility);
      };
    },
  };
}

/**
 * Starts the SDK in a browser: errors nobody caught and unhandled rejections are reported, with breadcrumbs of the
 * console, fetch/XHR, navigation and clicks. Calling init again replaces the client.
 */
export function init(options: Options = {}): Client {
  const c = carrier();
  if (c.client) void c.client.close(0);
  const { options: resolved, dsnProblem } = resolveOptions({ tracing: false, logs: false, ...options }, {});
  if (dsnProblem) originalConsole.error(`[syntra] ${dsnProblem}; nothing will be sent.`);
  c.root.setMaxBreadcrumbs(resolved.maxBreadcrumbs);
  const platform: Platform = {
    get scopes() {
      return carrier().scopes;
    },
    sender: resolved.dsn ? fetchSender(resolved.dsn) : async () => ({ status: 0 }),
    runtime: browserRuntime,
    request: pageRequest,
  };
  const client = new Client(resolved, platform);
  c.client = client;
  if (!resolved.dsn) {
    client.log("no DSN: events are not sent");
    return client;
  }
  const isDom = typeof document !== "undefined";
  const defaults: Integration[] = [
    consoleBreadcrumbs(),
    fetchBreadcrumbs(resolved.dsn.errorsUrl),
    globalHandlers(),
    ...(isDom ? [clickBreadcrumbs(), navigationBreadcrumbs(), beaconOnHide(client)] : []),
  ];
  client.setupIntegrations(resolveIntegrations(defaults, options.integrations));
  return client;
}

export * from "../core/public";
export { clickBreadcrumbs, fetchBreadcrumbs, navigationBreadcrumbs } from "./breadcrumbs";
export { globalHandlers } from "./global-handlers";

/** The whole API as one object: `Syntra.init({ dsn })`, `Syntra.captureException(err)`. */
export const Syntra = { init, ...coreApi };
