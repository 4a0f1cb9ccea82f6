import { Resolver } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { Readable } from "node:stream";
import tls from "node:tls";
import zlib from "node:zlib";
import type { MonitorCheck, MonitorResult } from "@syntra/contracts";

/** What one check found, before it is stamped with its monitor and time. */
export type CheckOutcome = Omit<MonitorResult, "monitor_id" | "checked_at">;

const BODY_LIMIT = 1024 * 1024;

const failure = (error: unknown, started: number): CheckOutcome => ({
  is_up: false,
  latency_ms: Math.round(performance.now() - started),
  error: (error instanceof Error ? error.message : String(error)).slice(0, 1000),
});

/** Runs one check within `timeoutMs`; never throws (a failure is a down result with its reason). */
export async function runCheck(check: MonitorCheck, timeoutMs: number): Promise<CheckOutcome> {
  const started = performance.now();
  try {
    switch (check.type) {
      case "http":
        return await httpCheck(check, timeoutMs, started);
      case "tcp":
        return await tcpCheck(check.host, check.port, timeoutMs, started);
      case "dns":
        return await dnsCheck(check, timeoutMs, started);
      case "tls":
        return await tlsCheck(check, timeoutMs, started);
      default: {
        const never: never = check;
        return failure(`unknown check ${JSON.stringify(never)}`, started);
      }
    }
  } catch (err) {
    const e = err as { name?: string; code?: string; cause?: { code?: string; message?: string } };
    if (e.name === "TimeoutError" || e.name === "AbortError")
      return failure(`no answer within ${timeoutMs / 1000} s`, started);
    return failure(e.cause?.code ?? e.cause?.message ?? e.code ?? err, started);
  }
}

async function httpCheck(
  check: Extract<MonitorCheck, { type: "http" }>,
  timeoutMs: number,
  started: number,
): Promise<CheckOutcome> {
  const readBody = check.keyword !== undefined && check.method === "GET";
  const res = await httpRequest(check.url, check.method, timeoutMs, readBody);
  const latency = Math.round(performance.now() - started);
  const base = { latency_ms: latency, status_code: res.status };
  const expected = check.expected_status.length > 0 ? check.expected_status.includes(res.status) : res.status < 300;
  if (!expected) return { ...base, is_up: false, error: `HTTP ${res.status}` };
  if (check.keyword !== undefined) {
    const found = res.body.includes(check.keyword);
    if (found === check.keyword_absent) {
      return {
        ...base,
        is_up: false,
        error: check.keyword_absent ? `"${check.keyword}" is in the page` : `"${check.keyword}" is not in the page`,
      };
    }
  }
  if (check.max_latency_ms !== undefined && latency > check.max_latency_ms) {
    return { ...base, is_up: false, error: `answered in ${latency} ms, more than ${check.max_latency_ms} ms` };
  }
  return { ...base, is_up: true };
}

/**
 * One request on a fresh connection, redirects not followed, the body (when wanted) read as UTF-8 up to
 * BODY_LIMIT and decompressed as the server encoded it. Node's http client, not fetch: fetch loads undici and its
 * WebAssembly HTTP parser, ~19 MB resident in the agent for as long as it runs, to send one request a minute.
 * Errors carry their code (ECONNREFUSED, CERT_HAS_EXPIRED…) as fetch's `cause` did; the timeout aborts with a
 * TimeoutError.
 */
function httpRequest(
  url: string,
  method: string,
  timeoutMs: number,
  readBody: boolean,
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  const signal = AbortSignal.timeout(timeoutMs);
  return new Promise((resolve, reject) => {
    const req = client.request(target, {
      method,
      agent: false,
      signal,
      headers: { "user-agent": "Syntra-Monitor/1", "accept-encoding": "gzip, deflate, br" },
    });
    req.once("error", (err) => reject(signal.aborted ? signal.reason : err));
    req.once("response", (res) => {
      const status = res.statusCode ?? 0;
      if (!readBody) {
        res.destroy();
        resolve({ status, body: "" });
        return;
      }
      const stream = decoded(res);
      stream.setEncoding("utf8");
      let body = "";
      stream.on("data", (chunk: string) => {
        body += chunk;
        if (body.length >= BODY_LIMIT) {
          res.destroy();
          resolve({ status, body });
        }
      });
      stream.once("end", () => resolve({ status, body }));
      stream.once("error", (err) => reject(signal.aborted ? signal.reason : err));
    });
    req.end();
  });
}

/** The response body as sent before compression (Content-Encoding gzip, deflate or br). */
function decoded(res: http.IncomingMessage): Readable {
  const encoding = res.headers["content-encoding"]?.trim().toLowerCase();
  const inflate =
    encoding === "gzip" || encoding === "x-gzip"
      ? zlib.createGunzip()
      : encoding === "deflate"
        ? zlib.createInflate()
        : encoding === "br"
          ? zlib.createBrotliDecompress()
          : null;
  if (!inflate) return res;
  res.once("error", (err) => inflate.destroy(err));
  return res.pipe(inflate);
}

function tcpCheck(host: string, port: number, timeoutMs: number, started: number): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const done = (outcome: CheckOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.once("connect", () => done({ is_up: true, latency_ms: Math.round(performance.now() - started) }));
    socket.once("timeout", () => done(failure(`no connection within ${timeoutMs / 1000} s`, started)));
    socket.once("error", (err: NodeJS.ErrnoException) => done(failure(err.code ?? err.message, started)));
  });
}

async function dnsCheck(
  check: Extract<MonitorCheck, { type: "dns" }>,
  timeoutMs: number,
  started: number,
): Promise<CheckOutcome> {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (check.resolver) resolver.setServers([check.resolver]);
  const answers = (await resolver.resolve(check.hostname, check.record_type)) as unknown[];
  const values = answers.map((a) =>
    typeof a === "string"
      ? a
      : Array.isArray(a)
        ? a.join("")
        : String((a as { exchange?: string; value?: string }).exchange ?? JSON.stringify(a)),
  );
  const latency = Math.round(performance.now() - started);
  const norm = (v: string) => v.toLowerCase().replace(/\.$/, "");
  if (check.expected !== undefined && !values.some((v) => norm(v) === norm(check.expected as string))) {
    return {
      is_up: false,
      latency_ms: latency,
      error: `${check.hostname} ${check.record_type} is ${values.join(", ") || "empty"}, not ${check.expected}`,
    };
  }
  return { is_up: values.length > 0, latency_ms: latency, ...(values.length === 0 && { error: "no records" }) };
}

function tlsCheck(
  check: Extract<MonitorCheck, { type: "tls" }>,
  timeoutMs: number,
  started: number,
): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    const servername = net.isIP(check.host) ? undefined : check.host;
    const socket = tls.connect({
      host: check.host,
      port: check.port,
      servername,
      timeout: timeoutMs,
      rejectUnauthorized: false,
    });
    const done = (outcome: CheckOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.once("secureConnect", () => {
      const latency = Math.round(performance.now() - started);
      const cert = socket.getPeerCertificate();
      const daysLeft = cert.valid_to ? Math.floor((Date.parse(cert.valid_to) - Date.now()) / 86_400_000) : undefined;
      if (!socket.authorized) {
        return done({
          is_up: false,
          latency_ms: latency,
          error: `certificate not trusted: ${socket.authorizationError}`,
          ...(daysLeft !== undefined && { days_left: daysLeft }),
        });
      }
      if (daysLeft === undefined) return done({ is_up: false, latency_ms: latency, error: "no certificate" });
      const up = daysLeft > check.min_days_left;
      return done({
        is_up: up,
        latency_ms: latency,
        days_left: daysLeft,
        ...(!up && { error: `certificate expires in ${daysLeft} days (${cert.valid_to})` }),
      });
    });
    socket.once("timeout", () => done(failure(`no TLS handshake within ${timeoutMs / 1000} s`, started)));
    socket.once("error", (err: NodeJS.ErrnoException) => done(failure(err.code ?? err.message, started)));
  });
}
