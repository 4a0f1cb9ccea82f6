import type { X509Certificate } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

/** An answer through the proxy, with the certificate it was served under (HTTPS only). */
export interface ProxiedResponse {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
  certificate?: X509Certificate;
}

/**
 * GET `https://<host><path>` at 127.0.0.1:`port` (SNI and Host = host), trusting only `ca`: a certificate that
 * does not chain to it fails the request, as it would fail a browser.
 */
export function httpsGet(port: number, host: string, ca: string | string[], path = "/"): Promise<ProxiedResponse> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host: "127.0.0.1", port, path, servername: host, headers: { host }, ca, agent: false, timeout: 5000 },
      (res) => {
        const certificate = (res.socket as import("node:tls").TLSSocket).getPeerX509Certificate();
        collect(res, (body) => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, certificate }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer within 5 s")));
    req.on("error", reject);
  });
}

/** GET `http://<host><path>` at 127.0.0.1:`port`, not following redirects. */
export function httpGet(port: number, host: string, path = "/"): Promise<ProxiedResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, headers: { host }, agent: false, timeout: 5000 }, (res) =>
      collect(res, (body) => resolve({ status: res.statusCode ?? 0, body, headers: res.headers })),
    );
    req.on("timeout", () => req.destroy(new Error("no answer within 5 s")));
    req.on("error", reject);
  });
}

function collect(res: http.IncomingMessage, done: (body: string) => void): void {
  let body = "";
  res.setEncoding("utf8");
  res.on("data", (chunk: string) => {
    body += chunk;
  });
  res.on("end", () => done(body));
}

/** A plain HTTP server on loopback answering every request with `body`: a stand-in app behind the proxy. */
export async function startUpstream(
  body: string,
  host = "127.0.0.1",
  port = 0,
): Promise<{ address: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.end(body));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    address: `${host}:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
