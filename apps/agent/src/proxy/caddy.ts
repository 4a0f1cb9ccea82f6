import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { servedOverPlainHttp } from "@syntra/contracts";
import type { Logger } from "pino";
import { AgentError } from "../errors";
import { AcmeEventLog, acmeLogConfig } from "./caddy-acme-log";
import { adminRequest } from "./caddy-admin";
import {
  buildServer,
  type CaddyRoute,
  initialConfig,
  parseRoute,
  ROUTE_ID_PREFIX,
  rebuildRoute,
  SERVER_NAME,
  type ServerSettings,
  sourceOf,
  type UpstreamSource,
  upsertRoute,
  validateRoute,
  withoutRoute,
} from "./caddy-config";
import { runCaddy, stopChild } from "./caddy-process";
import { applyTls, type CaddyApps, replaceServicePems, servicePems, tlsPlan } from "./caddy-tls";
import { CaddyUpstreams, liveUpstreams, type UpstreamDnsOptions } from "./caddy-upstreams";
import {
  certificateFacts,
  checkCertificatePair,
  covers,
  customCertificateInfo,
  servedCertificate,
} from "./certificate-info";
import { byDomain, type CertificateInfo, type Router, type ServiceRoute } from "./types";

/** Let's Encrypt's production directory, the default CA. */
export const LETS_ENCRYPT_DIRECTORY = "https://acme-v02.api.letsencrypt.org/directory";
/** Name of Syntra's entry in Caddy's `logging.logs`. */
export const ACME_LOG_NAME = "syntra-acme";

export interface CaddyRouterOptions {
  /** Caddy's admin API. Default http://127.0.0.1:2019. */
  adminUrl?: string;
  /** Port of plain HTTP (and of the redirect to HTTPS when tls is on). Default 80. */
  httpPort?: number;
  /** Port of HTTPS when tls is on. Default 443. */
  httpsPort?: number;
  /** Automatic HTTPS for the services' domains. Off in tests (plain HTTP only). Default true. */
  tls?: boolean;
  /** The CA certificates come from. Default: Let's Encrypt production, no extra roots, no email. */
  acme?: { directoryUrl?: string; caRootPemFile?: string; email?: string };
  /**
   * JSON file Caddy writes its certificate events to, which certificates() reads for the reasons of failures
   * (set in the config of a Caddy this router starts, through the admin API in one it finds). Default
   * `<manage.configDir>/acme-events.log`; null: failures are reported without their reason.
   */
  acmeLogFile?: string | null;
  /** Interface the server listens on; "" (default) means all of them. */
  listenHost?: string;
  /** When the admin API does not answer at start(), run Caddy as a child process with this binary and dir. */
  manage?: { binary?: string; configDir: string } | null;
  logger?: Logger;
  /** How long start() waits for a Caddy it started to answer. Default 15 s. */
  startTimeoutMs?: number;
  /**
   * The dnsmasq on loopback Caddy asks for each service's containers (see UpstreamTable): `port` 0 reuses the
   * last one or picks a free one; `refreshMs` is how long Caddy keeps an answer; `dir` holds its files (default:
   * manage.configDir, else a temporary directory); `binary` is dnsmasq's path (default: PATH, /usr/sbin). null,
   * or dnsmasq missing: containers are written into the config (each change reloads Caddy).
   * Default { port: 0, refreshMs: 1000 }.
   */
  upstreamDns?: UpstreamDnsOptions | null;
}

/** The parts of a whole Caddy config that start() may fill in; everything else passes through untouched. */
interface CaddyConfig {
  admin?: Record<string, unknown>;
  apps?: {
    http?: { http_port?: number; https_port?: number; servers?: Record<string, unknown> };
    [app: string]: unknown;
  };
  [key: string]: unknown;
}

// certificates() looks at this many domains' served certificates at once.
const PROBE_CONCURRENCY = 8;

/**
 * The `Router` over Caddy's admin API. Routes live in Caddy only (read back, never cached), so an agent
 * restart finds them as they were. Each service is one route with `@id` `syntra-svc-<serviceId>`. A change
 * reads Caddy's `apps`, edits the service's route and certificates and the TLS parts derived from all routes
 * (see applyTls), and writes `apps` back in one admin call (none when nothing changed): Caddy applies it as
 * one graceful reload, so requests in flight finish on the old upstreams. Calls are serialized.
 *
 * With TLS on, Caddy obtains and renews certificates by ACME for routed domains (HTTP-01 and TLS-ALPN-01
 * challenges) and redirects HTTP to HTTPS; uploaded certificates are loaded into its tls app, tagged with
 * their service, and their domains are kept out of ACME.
 *
 * A reload closes idle keep-alive client connections, which a client that does not resend sees as a failed
 * request. So the containers behind a route are not in the config: Caddy asks the agent's dnsmasq for them (A
 * records: the containers' addresses on their project network, see UpstreamTable), and a deploy changes a hosts
 * file, not Caddy's config. Domains, certificates, routes that come or go, and a change of the app's port still
 * reload Caddy (it rebinds the port with SO_REUSEPORT; set net.ipv4.tcp_migrate_req=1 on the host so
 * connections queued on the old socket move to the new one).
 */
export class CaddyRouter implements Router {
  private readonly adminUrl: string;
  private readonly settings: ServerSettings;
  private readonly acmeLog: AcmeEventLog | null;
  /** The dnsmasq the routes take their containers from, once started; null without one. */
  private upstreams: CaddyUpstreams | null = null;
  private child: ChildProcess | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: CaddyRouterOptions = {}) {
    this.adminUrl = (options.adminUrl ?? "http://127.0.0.1:2019").replace(/\/$/, "");
    this.settings = {
      listenHost: options.listenHost ?? "",
      httpPort: options.httpPort ?? 80,
      httpsPort: options.httpsPort ?? 443,
      tls: options.tls ?? true,
      acme: {
        directoryUrl: options.acme?.directoryUrl ?? LETS_ENCRYPT_DIRECTORY,
        caRootPemFile: options.acme?.caRootPemFile,
        email: options.acme?.email,
      },
    };
    const logFile =
      options.acmeLogFile === undefined && options.manage
        ? path.join(options.manage.configDir, "acme-events.log")
        : options.acmeLogFile;
    this.acmeLog = this.settings.tls && logFile ? new AcmeEventLog(path.resolve(logFile)) : null;
  }

  async start(): Promise<void> {
    if (!(await this.adminAnswers())) {
      if (!this.options.manage) {
        throw new AgentError("PROXY_UNAVAILABLE", `Caddy's admin API does not answer at ${this.adminUrl}`);
      }
      await this.spawnCaddy(this.options.manage);
    }
    const dns = this.options.upstreamDns;
    if (dns !== null && !this.upstreams) {
      // dnsmasq is started before Caddy binds the proxy ports (at the first config load): it must not take them.
      const avoidPorts = [this.settings.httpPort, this.settings.httpsPort];
      this.upstreams = await CaddyUpstreams.start(
        { ...dns, avoidPorts },
        this.options.manage?.configDir,
        this.options.logger,
      );
    }
    await this.exclusive(async () => {
      await this.ensureServer();
      await this.ensureAcmeLog();
    });
    // Routes written by an earlier agent are rebuilt with this agent's settings (its dnsmasq's address, the TLS
    // parts such as another ACME directory); the agent's recovery then points them at the present containers.
    const apps = ((await this.admin("GET", "/config/apps")) ?? {}) as CaddyApps;
    const adopt = await this.upstreams?.adopt(apps.http?.servers?.[SERVER_NAME]?.routes ?? []);
    // Without a dnsmasq of this agent's, the routes list their containers (the ones written at the last change).
    await this.updateApps((_apps, routes) => adopt?.(routes) ?? routes.map((r) => rebuildRoute(r)));
  }

  /**
   * Resolves once Caddy sends new requests only to `route.upstreams`. A change of containers alone goes to
   * dnsmasq, not into the config; domains, certificates, the app's port and a service going to or from no
   * upstream at all (a 503 answer) are config changes.
   */
  async setRoute(route: ServiceRoute): Promise<void> {
    const valid = validateRoute(route);
    if (valid.domains.length === 0) return this.removeRoute(valid.serviceId);
    for (const certificate of valid.certificates ?? []) checkCertificatePair(certificate);
    const pems = servicePems(valid.serviceId, valid.domains, valid.certificates ?? []);
    const write = (source: UpstreamSource | undefined) =>
      this.updateApps((apps, routes) => {
        replaceServicePems(apps, valid.serviceId, pems);
        return upsertRoute(routes, valid, source);
      });
    const table = this.upstreams?.table;
    const source = this.upstreams?.sourceFor(valid);
    const now = sourceOf(await this.currentRoute(valid.serviceId));
    if (table && source && (!now || (now.port === source.port && now.resolver === source.resolver))) {
      // Only the containers change: dnsmasq first (a route Caddy loads now finds them at once), the config
      // is then left as it is. With the route asking already, Caddy's earlier answer has to expire.
      await table.set(valid.serviceId, valid.upstreams, now !== null);
      return write(source);
    }
    // How Caddy finds the containers changes (their port, UDP or TCP, none left): the route lists them (a
    // reload, after which Caddy dials only those), then dnsmasq follows, then the route asks it again.
    await write(undefined);
    if (!table) return;
    if (!source) return table.delete(valid.serviceId);
    await table.set(valid.serviceId, valid.upstreams, false);
    await write(source);
  }

  async removeRoute(serviceId: string): Promise<void> {
    validateRoute({ serviceId, domains: [], upstreams: [] });
    await this.updateApps((apps, routes) => {
      replaceServicePems(apps, serviceId, []);
      return withoutRoute(routes, serviceId);
    });
    await this.upstreams?.table.delete(serviceId);
  }

  /**
   * The services' routes with the upstreams Caddy uses now (asked of the dnsmasq a route names, else its static
   * ones); uploaded certificates are not read back (their keys stay in Caddy), only their PEMs.
   */
  async routes(): Promise<ServiceRoute[]> {
    const apps = ((await this.admin("GET", "/config/apps")) ?? {}) as CaddyApps;
    const custom = tlsPlan(apps).custom;
    const out: ServiceRoute[] = [];
    for (const route of apps.http?.servers?.[SERVER_NAME]?.routes ?? []) {
      const parsed = parseRoute(route);
      if (!parsed) continue;
      const live = await liveUpstreams(route);
      const pems = parsed.domains.flatMap((d) => (custom.has(d) ? [[d, custom.get(d) ?? ""] as const] : []));
      out.push({
        ...parsed,
        upstreams: live ?? parsed.upstreams,
        ...(pems.length > 0 && { certificatePems: Object.fromEntries(pems) }),
      });
    }
    return out;
  }

  /**
   * For an agent that stops while Caddy keeps serving (dnsmasq too): the routes' static upstreams (what Caddy
   * uses if dnsmasq ever stops answering) become the containers serving now. One reload, and only when a route's
   * fallback names a container that no longer serves (after a redeploy); one that lists some of the serving
   * containers (a rolling deploy's first) is kept as it is (see fallbackStillServes).
   */
  async detach(): Promise<void> {
    const upstreams = this.upstreams;
    if (!upstreams) return;
    await this.updateApps((_apps, routes) => upstreams.detached(routes));
  }

  /**
   * Per routed domain: an uploaded certificate is described from its PEM; an ACME domain by the certificate
   * Caddy serves for it over TLS (active), else by the last failure in Caddy's ACME log (failed), else
   * pending. Wildcards without a certificate are failed: they are served over HTTP only.
   */
  async certificates(): Promise<CertificateInfo[]> {
    if (!this.settings.tls) return [];
    const plan = tlsPlan(((await this.admin("GET", "/config/apps")) ?? {}) as CaddyApps);
    const failures = (await this.acmeLog?.failures()) ?? new Map();
    const now = new Date();
    const infos: CertificateInfo[] = [...plan.custom].map(([domain, pem]) => customCertificateInfo(domain, pem, now));
    for (const domain of plan.httpOnly) {
      // Served over plain HTTP by design (a default domain such as x.localhost): there is no certificate to report.
      if (servedOverPlainHttp(domain)) continue;
      const message = `${domain} is served over HTTP only: a wildcard domain needs an uploaded certificate`;
      infos.push({ domain, source: "custom", status: "failed", error: { code: "unknown", message } });
    }
    infos.push(...(await mapLimited(plan.acme, PROBE_CONCURRENCY, (d) => this.acmeCertificate(d, failures, now))));
    return infos.sort(byDomain);
  }

  /** Ends the Caddy and dnsmasq this router started, if any (ones it found running are left alone). */
  async stop(): Promise<void> {
    await this.upstreams?.stop();
    this.upstreams = null;
    const child = this.child;
    this.child = null;
    if (child) await stopChild(child);
  }

  private async acmeCertificate(
    domain: string,
    failures: Map<string, NonNullable<CertificateInfo["error"]>>,
    now: Date,
  ): Promise<CertificateInfo> {
    const served = await servedCertificate(this.probeHost(), this.settings.httpsPort, domain);
    if (served && covers(served, domain)) {
      const facts = certificateFacts(served);
      if (Date.parse(facts.notAfter) > now.getTime()) return { domain, source: "acme", status: "active", ...facts };
    }
    const error = failures.get(domain);
    return error ? { domain, source: "acme", status: "failed", error } : { domain, source: "acme", status: "pending" };
  }

  /** A service's route as Caddy has it now, if any. */
  private async currentRoute(serviceId: string): Promise<CaddyRoute | undefined> {
    const answer = await adminRequest(`${this.adminUrl}/id/${ROUTE_ID_PREFIX}${serviceId}`, "GET", undefined, 10_000);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) {
      throw new AgentError("PROXY_ERROR", `Caddy GET /id/${ROUTE_ID_PREFIX}${serviceId} answered ${answer.status}`);
    }
    return JSON.parse(answer.text) as CaddyRoute;
  }

  /** Where certificates() connects to see what is served: loopback when Caddy listens on every interface. */
  private probeHost(): string {
    const host = this.settings.listenHost.replace(/^\[|\]$/g, "");
    return host === "" || host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  }

  /**
   * Reads `apps`, lets `edit` change the tls app and return Syntra's new route list, re-derives the TLS
   * parts, and writes `apps` back in one call when anything changed.
   */
  private updateApps(edit: (apps: CaddyApps, routes: CaddyRoute[]) => CaddyRoute[] | undefined): Promise<void> {
    return this.exclusive(async () => {
      const current = (await this.admin("GET", "/config/apps")) as CaddyApps | null;
      const apps: CaddyApps = structuredClone(current ?? {});
      apps.http ??= {};
      apps.http.servers ??= {};
      apps.http.servers[SERVER_NAME] ??= buildServer(this.settings);
      const server = apps.http.servers[SERVER_NAME];
      const routes = edit(apps, server.routes ?? []);
      if (routes) server.routes = routes;
      applyTls(apps, this.settings);
      if (isDeepStrictEqual(apps, current)) return;
      await this.admin(current ? "PATCH" : "PUT", "/config/apps", apps);
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Adds Syntra's server to whatever config Caddy has, keeping the rest (and its admin address) as is. */
  private async ensureServer(): Promise<void> {
    // The whole config: a Caddy started without one has no `apps`, and a path below it answers 400, not null.
    const config = ((await this.admin("GET", "/config/")) ?? {}) as CaddyConfig;
    if (config.apps?.http?.servers?.[SERVER_NAME]) return;
    config.admin ??= { listen: new URL(this.adminUrl).host };
    config.apps ??= {};
    config.apps.http ??= {};
    const http = config.apps.http;
    http.http_port ??= this.settings.httpPort;
    http.https_port ??= this.settings.httpsPort;
    http.servers = { ...http.servers, [SERVER_NAME]: buildServer(this.settings) };
    await this.admin("POST", "/load", config);
  }

  /**
   * Makes Caddy write its ACME events where acmeLog reads them. A Caddy that cannot open the file (another
   * user, another machine's path) keeps running without it: failures are then reported without a reason.
   */
  private async ensureAcmeLog(): Promise<void> {
    if (!this.acmeLog) return;
    const wanted = acmeLogConfig(this.acmeLog.file);
    const logging = ((await this.admin("GET", "/config/logging")) ?? {}) as { logs?: Record<string, unknown> };
    if (isDeepStrictEqual(logging.logs?.[ACME_LOG_NAME], wanted)) return;
    const updated = { ...logging, logs: { ...logging.logs, [ACME_LOG_NAME]: wanted } };
    try {
      await this.admin(Object.keys(logging).length > 0 ? "PATCH" : "PUT", "/config/logging", updated);
    } catch (err) {
      this.options.logger?.warn(
        { file: this.acmeLog.file, reason: (err as Error).message },
        "caddy cannot write its ACME log there; certificate failures will be reported without their reason",
      );
    }
  }

  /** Runs Caddy as this router's child (see runCaddy). */
  private async spawnCaddy(manage: { binary?: string; configDir: string }): Promise<void> {
    const logging = this.acmeLog ? { logs: { [ACME_LOG_NAME]: acmeLogConfig(this.acmeLog.file) } } : undefined;
    this.child = await runCaddy({
      manage,
      config: initialConfig(new URL(this.adminUrl).host, this.settings, logging),
      adminUrl: this.adminUrl,
      answers: () => this.adminAnswers(),
      startTimeoutMs: this.options.startTimeoutMs ?? 15_000,
      logger: this.options.logger,
    });
  }

  private async adminAnswers(): Promise<boolean> {
    try {
      return (await adminRequest(`${this.adminUrl}/config/`, "GET", undefined, 1000)).status === 200;
    } catch {
      return false;
    }
  }

  /** One admin API call; JSON in and out. */
  private async admin(method: string, pathname: string, body?: unknown): Promise<unknown> {
    const { status, text } = await adminRequest(`${this.adminUrl}${pathname}`, method, body, 10_000);
    if (status < 200 || status > 299) {
      throw new AgentError("PROXY_ERROR", `Caddy ${method} ${pathname} answered ${status}: ${text.slice(0, 500)}`);
    }
    return text.trim() === "" ? null : JSON.parse(text);
  }
}

/** `fn` over `items` with at most `limit` running at once; results in input order. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
