import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { servedOverPlainHttp } from "@syntra/contracts";
import type { Logger } from "pino";
import { AgentError } from "../errors";
import { AcmeEventLog, acmeLogConfig } from "./caddy-acme-log";
import { adminRequest } from "./caddy-admin";
import {
  buildRoute,
  buildServer,
  type CaddyRoute,
  initialConfig,
  parseRoute,
  SERVER_NAME,
  type ServerSettings,
  type UpstreamSource,
  upsertRoute,
  validateRoute,
  withoutRoute,
} from "./caddy-config";
import { runCaddy, stopChild } from "./caddy-process";
import { applyTls, type CaddyApps, replaceServicePems, servicePems, tlsPlan } from "./caddy-tls";
import {
  certificateFacts,
  checkCertificatePair,
  covers,
  customCertificateInfo,
  servedCertificate,
} from "./certificate-info";
import type { CertificateInfo, Router, ServiceRoute } from "./types";
import { upstreamName } from "./upstream-dns";
import { lookupUpstreams, UpstreamTable } from "./upstream-table";

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
   * The DNS daemon on loopback Caddy asks for each service's containers (see UpstreamTable): `port` 0 reuses
   * the last one or picks a free one; `refreshMs` is how long Caddy keeps an answer; `dir` holds the table
   * (default: manage.configDir, else a temporary directory). null: containers are written into the config
   * (each change reloads Caddy). Default { port: 0, refreshMs: 1000 }.
   */
  upstreamDns?: { host?: string; port?: number; refreshMs?: number; dir?: string } | null;
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
 * request. So the containers behind a route are not in the config: Caddy asks this router's DNS server for
 * them (SRV, see UpstreamDns), and a deploy changes a table here, not Caddy's config. Domains, certificates and
 * routes that come or go still reload Caddy (it rebinds the port with SO_REUSEPORT; set
 * net.ipv4.tcp_migrate_req=1 on the host so connections queued on the old socket move to the new one).
 */
export class CaddyRouter implements Router {
  private readonly adminUrl: string;
  private readonly settings: ServerSettings;
  private readonly acmeLog: AcmeEventLog | null;
  private dns: UpstreamTable | null = null;
  private readonly refreshMs: number;
  private child: ChildProcess | null = null;
  private tempDir: string | null = null;
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
    this.refreshMs = options.upstreamDns?.refreshMs ?? 1000;
  }

  async start(): Promise<void> {
    if (!(await this.adminAnswers())) {
      if (!this.options.manage) {
        throw new AgentError("PROXY_UNAVAILABLE", `Caddy's admin API does not answer at ${this.adminUrl}`);
      }
      await this.spawnCaddy(this.options.manage);
    }
    await this.startUpstreamDns();
    await this.exclusive(async () => {
      await this.ensureServer();
      await this.ensureAcmeLog();
    });
    // Routes written by an earlier agent: the DNS server starts from their upstreams (the containers as of the
    // last config write; the agent's recovery points them at the present ones), and they are rebuilt with this
    // agent's settings (its DNS server's address, the TLS parts such as another ACME directory).
    await this.updateApps((_apps, routes) =>
      routes.map((r) => {
        const parsed = parseRoute(r);
        if (!parsed) return r;
        if (this.dns && this.dns.get(parsed.serviceId) === undefined)
          void this.dns.set(parsed.serviceId, parsed.upstreams);
        return buildRoute(parsed, this.sourceFor(parsed.serviceId));
      }),
    );
  }

  /**
   * Resolves once Caddy sends new requests only to `route.upstreams`. A change of containers alone goes to the
   * DNS server, not into the config; domains, certificates and a service going to or from no upstream at all
   * (a 503 answer) are config changes.
   */
  async setRoute(route: ServiceRoute): Promise<void> {
    const valid = validateRoute(route);
    if (valid.domains.length === 0) return this.removeRoute(valid.serviceId);
    for (const certificate of valid.certificates ?? []) checkCertificatePair(certificate);
    const pems = servicePems(valid.serviceId, valid.domains, valid.certificates ?? []);
    // Before the config: a route Caddy loads now finds its containers at once.
    await this.dns?.set(valid.serviceId, valid.upstreams);
    await this.updateApps((apps, routes) => {
      replaceServicePems(apps, valid.serviceId, pems);
      return upsertRoute(routes, valid, this.sourceFor(valid.serviceId));
    });
  }

  async removeRoute(serviceId: string): Promise<void> {
    validateRoute({ serviceId, domains: [], upstreams: [] });
    await this.updateApps((apps, routes) => {
      replaceServicePems(apps, serviceId, []);
      return withoutRoute(routes, serviceId);
    });
    await this.dns?.delete(serviceId);
  }

  /**
   * The services' routes with the upstreams Caddy uses now (asked of the DNS server a route names, else its
   * fallback); uploaded certificates are not read back (their keys stay in Caddy), only their PEMs.
   */
  async routes(): Promise<ServiceRoute[]> {
    const apps = ((await this.admin("GET", "/config/apps")) ?? {}) as CaddyApps;
    const custom = tlsPlan(apps).custom;
    const out: ServiceRoute[] = [];
    for (const route of apps.http?.servers?.[SERVER_NAME]?.routes ?? []) {
      const parsed = parseRoute(route);
      if (!parsed) continue;
      const source = route.handle?.[0]?.dynamic_upstreams as { resolver?: { addresses?: string[] } } | undefined;
      const resolver = source?.resolver?.addresses?.[0];
      const live = resolver ? await lookupUpstreams(resolver, parsed.serviceId) : null;
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
   * For an agent that stops while Caddy keeps serving (the DNS daemon too): the routes' fallback upstreams
   * (what Caddy uses if the daemon ever stops answering) become the containers serving now. One reload, and
   * only when a container changed since the last config write.
   */
  async detach(): Promise<void> {
    const dns = this.dns;
    if (!dns) return;
    await this.updateApps((_apps, routes) =>
      routes.map((r) => {
        const parsed = parseRoute(r);
        const now = parsed && dns.get(parsed.serviceId);
        if (!parsed || !now || now.length === 0 || r.handle?.[0]?.dynamic_upstreams === undefined) return r;
        return buildRoute({ ...parsed, upstreams: now }, this.sourceFor(parsed.serviceId));
      }),
    );
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
    return infos.sort((a, b) => a.domain.localeCompare(b.domain));
  }

  /** Ends the Caddy and DNS daemon this router started, if any (ones it found running are left alone). */
  async stop(): Promise<void> {
    await this.dns?.stop();
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
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

  /** Starts (or finds) the DNS daemon, its table beside Caddy's files or in a temporary directory. */
  private async startUpstreamDns(): Promise<void> {
    const options = this.options.upstreamDns;
    if (options === null || this.dns) return;
    let dir = options?.dir ?? this.options.manage?.configDir;
    if (!dir) {
      this.tempDir = await mkdtemp(path.join(tmpdir(), "syntra-upstreams-"));
      dir = this.tempDir;
    }
    const table = new UpstreamTable({
      dir,
      host: options?.host,
      port: options?.port,
      refreshMs: this.refreshMs,
      logger: this.options.logger,
    });
    await table.start();
    this.dns = table;
  }

  /** Where a service's route takes its containers from, with the DNS server on. */
  private sourceFor(serviceId: string): UpstreamSource | undefined {
    if (!this.dns) return undefined;
    return { name: upstreamName(serviceId), resolver: this.dns.resolverAddress(), refresh: `${this.refreshMs}ms` };
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
