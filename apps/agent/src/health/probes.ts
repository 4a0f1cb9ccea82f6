import http from "node:http";
import net from "node:net";
import type { HealthCheckConfig } from "@syntra/contracts";
import type { ContainerInfo, ContainerRuntime } from "../runtime/types";

/** Where a probe goes: `host:port` for http and tcp checks, the container for exec checks. */
export interface ProbeTarget {
  address: string;
  containerId: string;
}

export interface ProbeResult {
  healthy: boolean;
  /** Why the probe failed, for deploy logs and statuses. */
  error?: string;
}

export interface WaitResult {
  healthy: boolean;
  attempts: number;
  lastError: string | null;
}

// Docker's userland proxy accepts a connection on a published port even when nothing listens in the
// container, then closes it at once. A TCP check waits this long for such a close before calling it healthy.
const TCP_SETTLE_MS = 150;
// Cadence of probes during the start period, so a deploy goes on as soon as the app answers.
const START_PERIOD_INTERVAL_MS = 1000;

/** The check for a service without one: TCP on its port every second, 30 tries. */
export function defaultHealthCheck(port: number): HealthCheckConfig {
  return { type: "tcp", port, interval_seconds: 1, timeout_seconds: 2, retries: 29, start_period_seconds: 0 };
}

/**
 * The address a check reaches a container at: its published loopback address for the service's port, its
 * IP on the service network for another port (only the service port is published).
 */
export function probeTarget(config: HealthCheckConfig, container: ContainerInfo, servicePort: number): ProbeTarget {
  const port = config.port ?? servicePort;
  const address =
    port === servicePort || !container.networkIp ? (container.address ?? "") : `${container.networkIp}:${port}`;
  return { address, containerId: container.id };
}

/**
 * One probe. http: GET `path`, healthy on 2xx or 3xx (redirects are not followed). tcp: the connection opens
 * and is not closed straight away. exec: `command` exits 0. Each is bounded by `timeout_seconds`.
 */
export async function probe(
  config: HealthCheckConfig,
  target: ProbeTarget,
  runtime: Pick<ContainerRuntime, "exec">,
): Promise<ProbeResult> {
  const timeoutMs = config.timeout_seconds * 1000;
  try {
    switch (config.type) {
      case "http":
        return await probeHttp(target.address, config.path ?? "/", timeoutMs);
      case "tcp":
        return await probeTcp(target.address, timeoutMs);
      case "exec": {
        const result = await runtime.exec(target.containerId, {
          argv: config.command ?? [],
          timeoutSeconds: config.timeout_seconds,
        });
        if (result.exitCode === 0) return { healthy: true };
        const output = (result.stderr || result.stdout).trim().slice(-200);
        return { healthy: false, error: `exit code ${result.exitCode}${output ? `: ${output}` : ""}` };
      }
      default: {
        const unknown: never = config.type;
        return { healthy: false, error: `unknown check type ${String(unknown)}` };
      }
    }
  } catch (err) {
    return { healthy: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Probes until healthy or out of tries. Precisely:
 * - the first probe runs at once;
 * - during `start_period_seconds`, probes run every min(interval, 1 s) and failures do not count;
 * - after it, probes run every `interval_seconds` (from the start of one to the start of the next), and
 *   `retries + 1` consecutive counted failures (the first try and `retries` retries) make it unhealthy;
 * - the first success makes it healthy; an aborted `signal` stops at once, unhealthy.
 */
export async function waitHealthy(
  config: HealthCheckConfig,
  target: ProbeTarget,
  runtime: Pick<ContainerRuntime, "exec">,
  signal?: AbortSignal,
): Promise<WaitResult> {
  const startPeriodEnds = Date.now() + config.start_period_seconds * 1000;
  let attempts = 0;
  let failures = 0;
  let lastError: string | null = null;
  while (!signal?.aborted) {
    const began = Date.now();
    const inStartPeriod = began < startPeriodEnds;
    attempts++;
    const result = await probe(config, target, runtime);
    if (result.healthy) return { healthy: true, attempts, lastError };
    lastError = result.error ?? "unhealthy";
    if (!inStartPeriod && ++failures > config.retries) return { healthy: false, attempts, lastError };
    const interval = inStartPeriod
      ? Math.min(config.interval_seconds * 1000, START_PERIOD_INTERVAL_MS)
      : config.interval_seconds * 1000;
    await sleep(Math.max(0, interval - (Date.now() - began)), signal);
  }
  return { healthy: false, attempts, lastError: lastError ?? "cancelled before the first probe" };
}

function probeHttp(address: string, path: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const [host, port] = splitAddress(address);
    // agent: false: a fresh connection per probe, so a probe never rides on a connection to a dead container.
    const req = http.get({ host, port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      res.once("end", () =>
        resolve(status >= 200 && status < 400 ? { healthy: true } : { healthy: false, error: `HTTP ${status}` }),
      );
    });
    req.once("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once("error", (err) => resolve({ healthy: false, error: err.message }));
  });
}

function probeTcp(address: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const [host, port] = splitAddress(address);
    const socket = net.connect({ host, port });
    let settle: NodeJS.Timeout | undefined;
    const finish = (result: ProbeResult) => {
      clearTimeout(settle);
      clearTimeout(deadline);
      socket.destroy();
      resolve(result);
    };
    const deadline = setTimeout(
      () => finish({ healthy: false, error: `no connection within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once("connect", () => {
      settle = setTimeout(() => finish({ healthy: true }), Math.min(TCP_SETTLE_MS, timeoutMs));
    });
    // Data means something listens (a server that speaks first); an end right away means nothing does.
    socket.once("data", () => finish({ healthy: true }));
    socket.once("end", () => finish({ healthy: false, error: "connection closed at once (nothing listening?)" }));
    socket.once("error", (err) => finish({ healthy: false, error: err.message }));
  });
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(":");
  if (colon <= 0) throw new Error(`expected host:port, got "${address}"`);
  return [address.slice(0, colon).replace(/^\[|\]$/g, ""), Number(address.slice(colon + 1))];
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
