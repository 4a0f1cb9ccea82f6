import type { CertificateState, CertificateStatusPayload } from "@syntra/contracts";
import type { Logger } from "pino";
import type { CertificateInfo, Router } from "./proxy/types";

/** The slice of the connection the reporter uses. */
export interface StatusChannel {
  readonly ready: boolean;
  send(type: "certificate_status", payload: CertificateStatusPayload): void;
}

export interface CertificateReporterOptions {
  router: Router;
  connection: StatusChannel;
  serverId: string;
  logger: Logger;
  /** How often the router's certificates are looked at; sent only when they changed. */
  checkSeconds: number;
  /** Sent anyway at least this often. Default one hour. */
  resendSeconds?: number;
  /** Route changes within this window make one report. Default 1 s. */
  settleMs?: number;
}

/**
 * Tells the control plane what the proxy serves for each routed domain (`certificate_status`): after route
 * changes, after each accepted hello, every `checkSeconds` when something changed since the last report, and
 * every `resendSeconds` anyway. Nothing is sent while disconnected; the next hello brings a full report.
 */
export class CertificateReporter {
  private timer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private lastSent: string | null = null;
  private lastSentAt = 0;
  private running: Promise<void> | null = null;
  private again: "changed" | "always" | null = null;

  constructor(private readonly options: CertificateReporterOptions) {}

  /** Starts the periodic check. */
  start(): void {
    this.stop();
    this.timer = setInterval(() => this.report("changed"), this.options.checkSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.settleTimer);
    this.timer = undefined;
    this.settleTimer = undefined;
  }

  /** The control plane accepted this agent (again): it gets the whole picture. */
  connected(): void {
    this.report("always");
  }

  /** A route changed: report once the burst of changes (a deploy makes several) has settled. */
  routesChanged(): void {
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.report("always"), this.options.settleMs ?? 1000);
    this.settleTimer.unref();
  }

  /** Runs one check now (or right after the one running); resolves when it is done. */
  report(mode: "changed" | "always"): Promise<void> {
    if (this.running) {
      this.again = this.again === "always" || mode === "always" ? "always" : "changed";
      return this.running;
    }
    this.running = this.check(mode).finally(() => {
      this.running = null;
      const next = this.again;
      this.again = null;
      if (next) void this.report(next);
    });
    return this.running;
  }

  private async check(mode: "changed" | "always"): Promise<void> {
    const { connection, router, logger, serverId } = this.options;
    if (!connection.ready) return;
    let certificates: CertificateState[];
    try {
      const checkedAt = new Date().toISOString();
      certificates = (await router.certificates()).map((c) => toState(c, checkedAt));
    } catch (err) {
      logger.warn({ reason: (err as Error).message }, "could not read the proxy's certificates");
      return;
    }
    const fingerprint = JSON.stringify(certificates.map(({ checked_at: _, ...rest }) => rest));
    const resendMs = (this.options.resendSeconds ?? 3600) * 1000;
    const due = Date.now() - this.lastSentAt >= resendMs;
    if (mode === "changed" && fingerprint === this.lastSent && !due) return;
    if (!connection.ready) return;
    connection.send("certificate_status", { server_id: serverId, certificates });
    this.lastSent = fingerprint;
    this.lastSentAt = Date.now();
  }
}

function toState(info: CertificateInfo, checkedAt: string): CertificateState {
  return {
    domain: info.domain,
    source: info.source,
    status: info.status,
    ...(info.issuer ? { issuer: info.issuer } : {}),
    ...(info.notBefore ? { not_before: info.notBefore } : {}),
    ...(info.notAfter ? { not_after: info.notAfter } : {}),
    ...(info.error ? { error: info.error } : {}),
    checked_at: checkedAt,
  };
}

/** `router` with `onChange` called after every route it set or removed. */
export function observeRoutes(router: Router, onChange: () => void): Router {
  return {
    start: () => router.start(),
    setRoute: async (route) => {
      await router.setRoute(route);
      onChange();
    },
    removeRoute: async (serviceId) => {
      await router.removeRoute(serviceId);
      onChange();
    },
    routes: () => router.routes(),
    certificates: () => router.certificates(),
    detach: () => router.detach(),
    stop: () => router.stop(),
  };
}
