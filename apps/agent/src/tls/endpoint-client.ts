import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { pipeline } from "node:stream/promises";
import { AGENT_ENDPOINT_PATHS, type AgentCertificateGrant, agentCertificateGrant, apiError } from "@syntra/contracts";
import { type AgentCredentials, tlsOptions } from "./credentials";

/** The control plane answered with an error envelope (its code and message), or something unreadable. */
export class ControlPlaneRefusal extends Error {
  override readonly name = "ControlPlaneRefusal";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function refusal(status: number, text: string): Promise<ControlPlaneRefusal> {
  const parsed = apiError.safeParse(
    (() => {
      try {
        return JSON.parse(text);
      } catch {
        return undefined;
      }
    })(),
  );
  return parsed.success
    ? new ControlPlaneRefusal(status, parsed.data.error.code, parsed.data.error.message)
    : new ControlPlaneRefusal(status, "UNRECOGNIZED_ERROR", `HTTP ${status}`);
}

/**
 * Trades the install token for a certificate on the control plane's API. Null when the control plane is older than
 * enrolment (404): the agent then connects with its token as agents before it did.
 */
export async function enrolWithToken(
  controlPlaneUrl: string,
  body: { token: string; csr: string },
): Promise<AgentCertificateGrant | null> {
  const res = await send(`${controlPlaneUrl}/agent/enrol`, { method: "POST", body: JSON.stringify(body) }, 30_000);
  const text = await readText(res);
  if (res.statusCode === 404) return null;
  if (res.statusCode !== 200) throw await refusal(res.statusCode ?? 0, text);
  return agentCertificateGrant.parse(JSON.parse(text));
}

/** The https:// URL of a path on the agent endpoint (which agents know as wss://). */
export function endpointUrl(creds: AgentCredentials, pathname: string): string {
  return `${creds.endpointUrl.replace(/^wss:/, "https:").replace(/\/+$/, "")}${pathname}`;
}

/**
 * One HTTP(S) request with node:http, not fetch: the agent runs with `node --lite-mode`, which has no WebAssembly,
 * and fetch's HTTP parser needs it. `tls` adds the agent's certificate (the agent endpoint).
 */
function send(
  url: string,
  opts: { method: "GET" | "POST"; body?: string; tls?: AgentCredentials },
  timeoutMs: number,
): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const headers = opts.body
      ? { "content-type": "application/json", "content-length": Buffer.byteLength(opts.body) }
      : undefined;
    const req = url.startsWith("https:")
      ? https.request(url, { method: opts.method, headers, timeout: timeoutMs, ...(opts.tls && tlsOptions(opts.tls)) })
      : http.request(url, { method: opts.method, headers, timeout: timeoutMs });
    req.on("response", resolve);
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} in ${timeoutMs / 1000} s`)));
    req.end(opts.body);
  });
}

function request(creds: AgentCredentials, url: string, method: "GET" | "POST", body?: string) {
  return send(url, { method, body, tls: creds }, 30_000);
}

async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A new certificate for the agent's key, asked for with the current one (mutual TLS). */
export async function renewCertificate(creds: AgentCredentials, csr: string): Promise<AgentCertificateGrant> {
  const res = await request(
    creds,
    endpointUrl(creds, AGENT_ENDPOINT_PATHS.certificate),
    "POST",
    JSON.stringify({ csr }),
  );
  const text = await readText(res);
  if (res.statusCode !== 200) throw await refusal(res.statusCode ?? 0, text);
  return agentCertificateGrant.parse(JSON.parse(text));
}

/**
 * Downloads a file to `dest` and returns its SHA-256. URLs on the agent endpoint are fetched with the agent's
 * certificate; others (a mirror) plainly: the digest and signature decide whether the file is used at all.
 */
export async function download(creds: AgentCredentials, url: string, dest: string): Promise<string> {
  const hash = createHash("sha256");
  const onEndpoint = new URL(url).origin === new URL(endpointUrl(creds, "/")).origin;
  const res = await send(url, { method: "GET", ...(onEndpoint && { tls: creds }) }, 120_000);
  if (res.statusCode !== 200) throw await refusal(res.statusCode ?? 0, await readText(res));
  res.on("data", (chunk: Buffer) => hash.update(chunk));
  await pipeline(res, createWriteStream(dest, { mode: 0o755 }));
  return hash.digest("hex");
}
