import http from "node:http";
import type { MetricPoint, MetricsScrapeConfig } from "@syntra/contracts";
import type { Logger } from "pino";
import { prometheusToPoints } from "./prometheus";

/** A service to scrape: its setting and the container addresses (`ip:port`) to fetch from now. */
export interface ScrapeTarget {
  serviceId: string;
  deploymentId: string;
  config: MetricsScrapeConfig;
  /** The service's port, the default of `config.port`. */
  servicePort: number;
  containerIps: string[];
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const TIMEOUT_MS = 5000;

/** GET http://<ip>:<port><path>, at most 10 MiB, within 5 s. */
function fetchText(ip: string, port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: ip, port, path, timeout: TIMEOUT_MS, headers: { accept: "text/plain" } }, (res) => {
      if ((res.statusCode ?? 0) >= 300) {
        res.resume();
        reject(new Error(`${path} answered ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) req.destroy(new Error(`${path} is larger than ${MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      res.once("error", reject);
    });
    req.once("timeout", () => req.destroy(new Error(`${path} did not answer within ${TIMEOUT_MS} ms`)));
    req.once("error", reject);
  });
}

/**
 * Scrapes the Prometheus endpoint of each service that asks for it (the `metrics_scrape` of its deploy), on every
 * running container, at the service's interval, and hands the samples to the intake as metrics (labelled with the
 * container, like Prometheus' `instance`). A failing endpoint is logged once per change of its error, not retried
 * faster than the interval.
 */
export class PrometheusScraper {
  private timer: NodeJS.Timeout | undefined;
  private readonly lastScrape = new Map<string, number>();
  private readonly lastError = new Map<string, string>();
  private ticking = false;

  constructor(
    private readonly deps: {
      targets: () => Promise<ScrapeTarget[]>;
      accept: (points: MetricPoint[]) => Promise<void>;
      logger: Logger;
      now?: () => Date;
    },
  ) {}

  start(tickMs = 1000): void {
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass over the targets that are due; exported for tests. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = (this.deps.now ?? (() => new Date()))();
      for (const target of await this.deps.targets()) {
        const last = this.lastScrape.get(target.serviceId) ?? 0;
        if (now.getTime() - last < target.config.interval_seconds * 1000) continue;
        this.lastScrape.set(target.serviceId, now.getTime());
        await Promise.all(target.containerIps.map((ip) => this.scrape(target, ip, now)));
      }
    } catch (err) {
      this.deps.logger.warn({ err }, "metrics scraping pass failed");
    } finally {
      this.ticking = false;
    }
  }

  private async scrape(target: ScrapeTarget, ip: string, now: Date): Promise<void> {
    const port = target.config.port ?? target.servicePort;
    const where = `${target.serviceId}@${ip}`;
    try {
      const text = await fetchText(ip, port, target.config.path);
      const points = prometheusToPoints(text, target.serviceId, now).map((p) => ({
        ...p,
        labels: { ...p.labels, instance: `${ip}:${port}` },
      }));
      await this.deps.accept(points);
      this.lastError.delete(where);
    } catch (err) {
      const message = (err as Error).message;
      if (this.lastError.get(where) !== message) {
        this.lastError.set(where, message);
        this.deps.logger.warn(
          { service_id: target.serviceId, instance: `${ip}:${port}`, reason: message },
          "metrics scrape failed",
        );
      }
    }
  }
}
