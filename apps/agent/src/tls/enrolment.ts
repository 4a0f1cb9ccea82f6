import type { Logger } from "pino";
import {
  type AgentCredentials,
  certificateRequest,
  loadCredentials,
  loadOrCreateKey,
  remainingMs,
  saveGrant,
  shouldRenew,
} from "./credentials";
import { ControlPlaneRefusal, enrolWithToken, renewCertificate } from "./endpoint-client";

/** How the agent authenticates: its certificate on the agent endpoint, or (a control plane older than enrolment) its token. */
export type AgentAuth = { kind: "certificate"; creds: AgentCredentials } | { kind: "token"; token: string };

/**
 * The agent's credentials: the saved certificate while it is valid, else a new one for the install token (the key
 * is made first and kept, so a retry after a lost answer asks for the same key). Retries with capped backoff while
 * the control plane cannot be reached or refuses, since an operator may fix that (a new install token) meanwhile.
 */
export async function obtainAuth(opts: {
  stateDir: string;
  controlPlaneUrl: string;
  token: string | undefined;
  agentId: string;
  logger: Logger;
  maxBackoffMs: number;
  stopped?: () => boolean;
}): Promise<AgentAuth> {
  for (let attempt = 0; ; attempt++) {
    const saved = await loadCredentials(opts.stateDir);
    if (saved && remainingMs(saved) > 0) return { kind: "certificate", creds: saved };
    if (!opts.token) {
      throw new Error(
        saved
          ? "the agent's certificate expired and SYNTRA_TOKEN is not set: make a new install command for this server and set its token"
          : "this agent is not enrolled: set SYNTRA_TOKEN to the server's install token",
      );
    }
    try {
      const { key } = await loadOrCreateKey(opts.stateDir);
      const grant = await enrolWithToken(opts.controlPlaneUrl, {
        token: opts.token,
        csr: await certificateRequest(key, opts.agentId),
      });
      if (!grant) {
        opts.logger.warn("the control plane predates enrolment: connecting with the install token");
        return { kind: "token", token: opts.token };
      }
      await saveGrant(opts.stateDir, grant);
      opts.logger.info({ not_after: grant.not_after, endpoint: grant.endpoint_url }, "enrolled: certificate received");
      continue; // read back what was saved
    } catch (err) {
      const detail = err instanceof ControlPlaneRefusal ? { code: err.code, status: err.status } : {};
      // fetch's own message is only "fetch failed": the cause says what (refused, DNS, TLS).
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      opts.logger.error(
        { ...detail, err: (err as Error).message, ...(cause && { cause }) },
        "enrolment failed; trying again",
      );
    }
    if (opts.stopped?.()) throw new Error("stopped before enrolment finished");
    const delay = Math.round(Math.random() * Math.min(opts.maxBackoffMs, 1000 * 2 ** attempt));
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/**
 * Renews the agent's certificate once less than half of its life is left (looked at every tenth of its life, at
 * most hourly), with the same key, and then reconnects so the new certificate is in use long before the old one
 * expires. A failed renewal is retried at the next look.
 */
export class CertificateRenewer {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly opts: {
      stateDir: string;
      agentId: string;
      logger: Logger;
      current(): AgentCredentials;
      renewed(creds: AgentCredentials): void;
    },
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Renews now when due; resolves when done (tests and the schedule both use it). */
  async check(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const creds = this.opts.current();
      if (!shouldRenew(creds)) return;
      const grant = await renewCertificate(creds, await certificateRequest(creds.key, this.opts.agentId));
      await saveGrant(this.opts.stateDir, grant);
      const fresh = await loadCredentials(this.opts.stateDir);
      if (!fresh) throw new Error("the renewed certificate could not be read back");
      this.opts.logger.info({ not_after: grant.not_after }, "agent certificate renewed");
      this.opts.renewed(fresh);
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, "certificate renewal failed; trying again later");
    } finally {
      this.running = false;
    }
  }

  private schedule(): void {
    const creds = this.opts.current();
    const life = Date.parse(creds.certificate.validTo) - Date.parse(creds.certificate.validFrom);
    const every = Math.max(500, Math.min(3_600_000, life / 10));
    this.timer = setTimeout(() => {
      void this.check().finally(() => {
        if (this.timer) this.schedule();
      });
    }, every);
    this.timer.unref();
  }
}
