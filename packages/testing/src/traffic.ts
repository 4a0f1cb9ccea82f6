import http from "node:http";

export interface Response {
  status: number;
  body: string;
}

/** One GET through the proxy with the given Host header, on a fresh connection. */
export function get(port: number, host: string, path = "/", timeoutMs = 5000): Promise<Response> {
  return request(port, host, path, timeoutMs, undefined);
}

/**
 * One GET on `agent`'s connections (keep-alive), never resent. Rejects with `staleConnection: true` when the
 * server closed a kept-alive connection as the request went out; `reused` tells whether it went on one.
 */
export function getKeptAlive(
  agent: http.Agent,
  port: number,
  host: string,
  path = "/",
  timeoutMs = 10_000,
): Promise<Response & { reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, headers: { host }, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.once("end", () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
      res.once("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once("error", (err) => reject(Object.assign(err, { staleConnection: req.reusedSocket })));
  });
}

function request(port: number, host: string, path: string, timeoutMs: number, agent: http.Agent | undefined) {
  return new Promise<Response>((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, headers: { host }, agent: agent ?? false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.once("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.once("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // Failing before any answer on a kept-alive connection: the server closed it as the request went out.
    req.once("error", (err) => reject(Object.assign(err, { staleConnection: req.reusedSocket && !answered })));
    let answered = false;
    req.once("response", () => {
      answered = true;
    });
  });
}

export interface HammerReport {
  ok: number;
  failed: number;
  /**
   * Requests that failed because the server closed the kept-alive connection as they went out (what a Caddy
   * config reload does to idle connections). Part of `failed`: browsers would resend a GET (RFC 9112 9.3.1),
   * but many HTTP libraries and every non-idempotent request do not.
   */
  closedUnderUs: number;
  /** The first failures (status or error), for the assertion message. */
  failures: string[];
  /** How many answers each body (the app version) gave, in order of first appearance. */
  bodies: Map<string, number>;
  durationMs: number;
}

/**
 * A client sending sequential GETs to a host through the proxy until stopped (or `maxMs`), like an API client
 * that keeps calling: any status other than 200 or any connection error counts as failed. Keep-alive is on, so
 * connections that outlive a proxy change are part of the test, and nothing is ever resent (see
 * `closedUnderUs`).
 */
export class Hammer {
  private readonly report: HammerReport = {
    ok: 0,
    failed: 0,
    closedUnderUs: 0,
    failures: [],
    bodies: new Map(),
    durationMs: 0,
  };
  private stopped = false;
  private readonly waiting: { count: number; resolve: () => void }[] = [];
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly loop: Promise<void>;

  constructor(
    private readonly port: number,
    private readonly host: string,
    private readonly maxMs = 60_000,
  ) {
    this.loop = this.run();
  }

  /**
   * Resolves once `count` more requests than now were answered with 200: traffic before and after a change,
   * counted rather than timed. Rejects when the loop ends first.
   */
  served(count: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped) reject(new Error("the hammer has stopped"));
      this.waiting.push({ count: this.report.ok + count, resolve });
      void this.loop.then(() => reject(new Error(`the hammer ended after ${this.report.ok} answers`)));
    });
  }

  /** Ends the loop after the request in flight and returns the counts. */
  async stop(): Promise<HammerReport> {
    this.stopped = true;
    await this.loop;
    this.agent.destroy();
    return this.report;
  }

  private async run(): Promise<void> {
    const started = Date.now();
    while (!this.stopped && Date.now() - started < this.maxMs) {
      try {
        const res = await this.send();
        if (res.status === 200) {
          this.report.ok++;
          this.report.bodies.set(res.body, (this.report.bodies.get(res.body) ?? 0) + 1);
          for (const w of this.waiting.filter((w) => w.count <= this.report.ok)) {
            this.waiting.splice(this.waiting.indexOf(w), 1);
            w.resolve();
          }
        } else {
          this.fail(`HTTP ${res.status}: ${res.body.slice(0, 80)}`);
        }
      } catch (err) {
        this.fail(err instanceof Error ? err.message : String(err));
      }
    }
    this.report.durationMs = Date.now() - started;
  }

  private async send(): Promise<Response> {
    try {
      return await getKeptAlive(this.agent, this.port, this.host);
    } catch (err) {
      if ((err as { staleConnection?: boolean }).staleConnection) this.report.closedUnderUs++;
      throw err;
    }
  }

  private fail(reason: string): void {
    this.report.failed++;
    if (this.report.failures.length < 10) this.report.failures.push(reason);
  }
}
