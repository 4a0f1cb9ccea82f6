import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import {
  buildRoute,
  type CaddyRoute,
  commonPort,
  fallbackStillServes,
  MAX_UDP_UPSTREAMS,
  parseRoute,
  sourceOf,
  type UpstreamSource,
} from "./caddy-config";
import { retireNodeUpstreamDaemon } from "./legacy-upstream-daemon";
import type { ServiceRoute } from "./types";
import { lookupUpstreams, UpstreamTable, upstreamName } from "./upstream-table";

/** Settings of the upstream DNS server (see CaddyRouterOptions.upstreamDns). */
export interface UpstreamDnsOptions {
  host?: string;
  port?: number;
  /** Ports dnsmasq must not take (set by CaddyRouter: its HTTP and HTTPS ports). */
  avoidPorts?: number[];
  refreshMs?: number;
  dir?: string;
  binary?: string;
}

/**
 * The containers behind Caddy's routes, when they come from the agent's dnsmasq (UpstreamTable) rather than from
 * the config: which routes can ask it, the table itself, and what an agent's start and stop do to the routes.
 */
export class CaddyUpstreams {
  private constructor(
    readonly table: UpstreamTable,
    private readonly refreshMs: number,
    private readonly dir: string,
    private readonly tempDir: string | null,
    private readonly logger: Logger | undefined,
  ) {}

  /**
   * Starts (or adopts) the dnsmasq, its files in `options.dir`, else `configDir` (Caddy's), else a temporary
   * directory. Null without one (not installed, cannot start; logged): the routes then list their containers
   * and each deploy reloads Caddy, which is worse, not broken, so the agent carries on.
   */
  static async start(
    options: UpstreamDnsOptions,
    configDir: string | undefined,
    logger: Logger | undefined,
  ): Promise<CaddyUpstreams | null> {
    const tempDir = options.dir || configDir ? null : await mkdtemp(path.join(tmpdir(), "syntra-upstreams-"));
    const dir = options.dir ?? configDir ?? tempDir ?? "";
    const refreshMs = options.refreshMs ?? 1000;
    const table = new UpstreamTable({ ...options, dir, refreshMs, logger });
    try {
      await table.start();
    } catch (err) {
      logger?.error({ err }, "no upstream DNS server: every deploy reloads Caddy, closing idle kept-alive connections");
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
      return null;
    }
    return new CaddyUpstreams(table, refreshMs, dir, tempDir, logger);
  }

  /**
   * Where a route takes its containers from: dnsmasq, when they are IPv4 addresses on one port (over TCP for
   * more than fit in a UDP answer); else nowhere (the route lists them).
   */
  sourceFor(route: ServiceRoute): UpstreamSource | undefined {
    const port = commonPort(route.upstreams);
    if (port === null) return undefined;
    const transport = route.upstreams.length > MAX_UDP_UPSTREAMS ? "tcp" : "udp";
    const resolver = this.table.resolverAddress(transport);
    return { name: upstreamName(route.serviceId), port, resolver, refresh: `${this.refreshMs}ms` };
  }

  /**
   * For an agent's start: Caddy's routes rebuilt to ask this dnsmasq, each with the containers it serves, else
   * (a table lost, an older agent's route) the route's own, which go into the table first. Routes answering
   * 503 and other servers' routes stay as they are.
   */
  async adopt(routes: CaddyRoute[]): Promise<(routes: CaddyRoute[]) => CaddyRoute[]> {
    const upstreams = new Map<string, string[]>();
    for (const parsed of routes.map(parseRoute)) {
      if (!parsed || parsed.upstreams.length === 0) continue;
      const served = this.table.get(parsed.serviceId);
      const now = served ?? parsed.upstreams;
      if (!served && this.sourceFor({ ...parsed, upstreams: now })) await this.table.set(parsed.serviceId, now, false);
      upstreams.set(parsed.serviceId, now);
    }
    await retireNodeUpstreamDaemon(this.dir, this.logger);
    return (current) => current.map((r) => this.rebuilt(r, upstreams));
  }

  /**
   * For an agent that stops while Caddy and dnsmasq serve on: the routes' static upstreams (what Caddy uses if
   * dnsmasq ever stops answering) become the containers serving now, where they name one that no longer serves.
   */
  detached(routes: CaddyRoute[]): CaddyRoute[] {
    const serving = new Map<string, string[]>();
    for (const route of routes) {
      const parsed = parseRoute(route);
      const now = parsed && sourceOf(route) && this.table.get(parsed.serviceId);
      if (parsed && now && now.length > 0) serving.set(parsed.serviceId, now);
    }
    return routes.map((r) => this.rebuilt(r, serving));
  }

  /** Ends the dnsmasq if this agent started it (tests), and a temporary directory. */
  async stop(): Promise<void> {
    await this.table.stop();
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
  }

  private rebuilt(route: CaddyRoute, upstreams: Map<string, string[]>): CaddyRoute {
    const parsed = parseRoute(route);
    const now = parsed && upstreams.get(parsed.serviceId);
    if (!parsed || !now) return route;
    const next = { ...parsed, upstreams: now };
    const built = buildRoute(next, this.sourceFor(next));
    // A rolling deploy writes a route with its first container and adds the others through dnsmasq only: that
    // fallback still routes, and an agent's restart must not reload Caddy for it.
    return fallbackStillServes(route, built, now) ? route : built;
  }
}

/**
 * The containers Caddy gets for a route that asks a dnsmasq (sorted), or null for one that lists them or whose
 * dnsmasq has none or does not answer (Caddy then uses the listed ones too).
 */
export function liveUpstreams(route: CaddyRoute): Promise<string[] | null> {
  const source = sourceOf(route);
  return source ? lookupUpstreams(source.resolver, source.name, source.port) : Promise.resolve(null);
}
