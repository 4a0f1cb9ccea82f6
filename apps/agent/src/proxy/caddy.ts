import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, open, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { AgentError } from "../errors";
import {
  buildRoute,
  buildServer,
  type CaddyRoute,
  initialConfig,
  insertionIndex,
  parseRoute,
  ROUTE_ID_PREFIX,
  SERVER_NAME,
  type ServerSettings,
  validateRoute,
} from "./caddy-config";
import type { CertificateInfo, Router, ServiceRoute } from "./types";

export interface CaddyRouterOptions {
  /** Caddy's admin API. Default http://127.0.0.1:2019. */
  adminUrl?: string;
  /** Port of plain HTTP (and of the redirect to HTTPS when tls is on). Default 80. */
  httpPort?: number;
  /** Port of HTTPS when tls is on. Default 443. */
  httpsPort?: number;
  /** Automatic HTTPS for the services' domains. Off in tests (plain HTTP only). Default true. */
  tls?: boolean;
  /** Interface the server listens on; "" (default) means all of them. */
  listenHost?: string;
  /** When the admin API does not answer at start(), run Caddy as a child process with this binary and dir. */
  manage?: { binary?: string; configDir: string } | null;
  logger?: Logger;
  /** How long start() waits for a Caddy it started to answer. Default 15 s. */
  startTimeoutMs?: number;
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

const routesPath = `/config/apps/http/servers/${SERVER_NAME}/routes`;

/**
 * The `Router` over Caddy's admin API. Routes live in Caddy only (read back, never cached), so an agent
 * restart finds them as they were. Each service is one route with `@id` `syntra-svc-<serviceId>`, replaced in
 * one admin call; Caddy applies every change as a graceful reload, so requests in flight finish on the old
 * upstreams. Calls are serialized: a route insertion reads the list, then writes into it.
 *
 * A reload closes idle keep-alive client connections (clients resend, as RFC 9112 9.3.1 allows and browsers
 * do) and rebinds the port with SO_REUSEPORT; set net.ipv4.tcp_migrate_req=1 on the host so connections
 * queued on the old socket move to the new one instead of being reset.
 */
export class CaddyRouter implements Router {
  private readonly adminUrl: string;
  private readonly settings: ServerSettings;
  private child: ChildProcess | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: CaddyRouterOptions = {}) {
    this.adminUrl = (options.adminUrl ?? "http://127.0.0.1:2019").replace(/\/$/, "");
    this.settings = {
      listenHost: options.listenHost ?? "",
      httpPort: options.httpPort ?? 80,
      httpsPort: options.httpsPort ?? 443,
      tls: options.tls ?? true,
    };
  }

  async start(): Promise<void> {
    if (!(await this.adminAnswers())) {
      if (!this.options.manage) {
        throw new AgentError("PROXY_UNAVAILABLE", `Caddy's admin API does not answer at ${this.adminUrl}`);
      }
      await this.spawnCaddy(this.options.manage);
    }
    await this.exclusive(() => this.ensureServer());
  }

  async setRoute(route: ServiceRoute): Promise<void> {
    const valid = validateRoute(route);
    if (valid.domains.length === 0) return this.removeRoute(valid.serviceId);
    const body = buildRoute(valid);
    return this.exclusive(async () => {
      const replaced = await this.admin("PATCH", `/id/${ROUTE_ID_PREFIX}${valid.serviceId}`, body, [404]);
      if (replaced !== NOT_FOUND) return;
      const routes = ((await this.admin("GET", routesPath)) ?? []) as CaddyRoute[];
      await this.admin("PUT", `${routesPath}/${insertionIndex(routes, valid)}`, body);
    });
  }

  async removeRoute(serviceId: string): Promise<void> {
    validateRoute({ serviceId, domains: [], upstreams: [] });
    return this.exclusive(async () => {
      await this.admin("DELETE", `/id/${ROUTE_ID_PREFIX}${serviceId}`, undefined, [404]);
    });
  }

  async routes(): Promise<ServiceRoute[]> {
    const routes = ((await this.admin("GET", routesPath)) ?? []) as CaddyRoute[];
    return routes.map(parseRoute).filter((r): r is ServiceRoute => r !== null);
  }

  async certificates(): Promise<CertificateInfo[]> {
    return [];
  }

  /** Ends the Caddy this router started, if any; a Caddy it found running is left alone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    this.child = null;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Adds Syntra's server to whatever config Caddy has, keeping the rest (and its admin address) as is. */
  private async ensureServer(): Promise<void> {
    if ((await this.admin("GET", `/config/apps/http/servers/${SERVER_NAME}`)) !== null) return;
    const config = ((await this.admin("GET", "/config/")) ?? {}) as CaddyConfig;
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
   * Runs `caddy run` with Syntra's initial config. Its output goes to `<configDir>/caddy.log`, not to a pipe:
   * Caddy outlives an agent that dies (the next agent finds it through the admin API), and a Go program
   * writing to a closed pipe would be killed by SIGPIPE.
   */
  private async spawnCaddy(manage: { binary?: string; configDir: string }): Promise<void> {
    await mkdir(manage.configDir, { recursive: true, mode: 0o700 });
    const file = path.join(manage.configDir, "caddy.json");
    const logFile = path.join(manage.configDir, "caddy.log");
    const config = initialConfig(new URL(this.adminUrl).host, this.settings);
    await writeFile(file, JSON.stringify(config, null, 2), { mode: 0o600 });
    const log = await open(logFile, "a", 0o600);
    let child: ChildProcess;
    let spawnError: Promise<Error>;
    try {
      child = spawn(manage.binary ?? "caddy", ["run", "--config", file], {
        detached: false,
        stdio: ["ignore", log.fd, log.fd],
        // Certificates and autosaves go under configDir, not the agent user's home.
        env: { ...process.env, XDG_DATA_HOME: manage.configDir, XDG_CONFIG_HOME: manage.configDir },
      });
      // Listened to before anything else awaits: an unheard "error" event would crash the agent.
      spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
      child.once("exit", (code, signal) => this.options.logger?.info({ code, signal }, "caddy exited"));
    } finally {
      await log.close();
    }
    this.child = child;
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 15_000);
    while (Date.now() < deadline) {
      const failed = await Promise.race([spawnError, sleep(100).then(() => null)]);
      if (failed) {
        throw new AgentError("PROXY_UNAVAILABLE", `Could not run ${manage.binary ?? "caddy"}: ${failed.message}`);
      }
      if (child.exitCode !== null) {
        const output = await readFile(logFile, "utf8").catch(() => "");
        throw new AgentError("PROXY_UNAVAILABLE", `Caddy exited with code ${child.exitCode}: ${output.slice(-1000)}`);
      }
      if (await this.adminAnswers()) {
        this.options.logger?.info({ pid: child.pid, admin: this.adminUrl, log: logFile }, "caddy started");
        return;
      }
    }
    await this.stop();
    throw new AgentError("PROXY_UNAVAILABLE", `Caddy did not answer at ${this.adminUrl} in time`);
  }

  private async adminAnswers(): Promise<boolean> {
    try {
      const res = await fetch(`${this.adminUrl}/config/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }

  /** One admin API call; JSON in and out. Statuses in `allowed` come back as NOT_FOUND instead of throwing. */
  private async admin(method: string, pathname: string, body?: unknown, allowed: number[] = []): Promise<unknown> {
    const res = await fetch(`${this.adminUrl}${pathname}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (allowed.includes(res.status)) return NOT_FOUND;
    if (!res.ok) {
      throw new AgentError("PROXY_ERROR", `Caddy ${method} ${pathname} answered ${res.status}: ${text.slice(0, 500)}`);
    }
    return text.trim() === "" ? null : JSON.parse(text);
  }
}

const NOT_FOUND = Symbol("not found");

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
