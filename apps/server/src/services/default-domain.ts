import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { servedOverPlainHttp } from "@syntra/contracts";
import { and, eq, ne } from "drizzle-orm";
import type { Db } from "../db/client";
import { type servers, services } from "../db/schema";

type ServerRow = typeof servers.$inferSelect;
type ServiceRow = typeof services.$inferSelect;

// A label leaves room for "-<8 hex of the id>" within DNS's 63 characters (the sslip.io form).
const MAX_LABEL = 54;

/** `<service>-<project slug>` as one DNS label: lowercase, dashes, shortened with a hash past 54 characters. */
export function baseLabel(serviceName: string, projectSlug: string): string {
  const joined = `${serviceName}-${projectSlug}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (joined.length <= MAX_LABEL) return joined || "service";
  const hash = createHash("md5").update(joined).digest("hex").slice(0, 6);
  return `${joined.slice(0, 47).replace(/-+$/, "")}-${hash}`;
}

/**
 * The label a service's default domain is built from, unique in the installation: the base label, or, when
 * another service has it, the base label with the start of the service's id.
 */
export async function uniqueLabel(
  db: Db,
  serviceId: string,
  serviceName: string,
  projectSlug: string,
): Promise<string> {
  const base = baseLabel(serviceName, projectSlug);
  const [taken] = await db
    .select({ id: services.id })
    .from(services)
    .where(and(eq(services.defaultDomainLabel, base), ne(services.id, serviceId)))
    .limit(1);
  if (!taken) return base;
  return `${base.slice(0, 47).replace(/-+$/, "")}-${serviceId.replaceAll("-", "").slice(0, 6)}`;
}

/** A service's default domain and its URL. */
export interface DefaultDomain {
  domain: string;
  url: string;
}

/**
 * The name a service answers on without any DNS set up, and its URL, or null when it is turned off:
 * - with SYNTRA_APPS_DOMAIN: `<label>.<apps domain>` (the operator's wildcard record), HTTPS;
 * - a server with a public IPv4: `<label>-<8 hex of the id>.<ip with dashes>.sslip.io`, HTTPS (sslip.io names
 *   get Let's Encrypt certificates);
 * - the control plane's own machine: `<label>.localhost` (loopback in browsers and curl), plain HTTP;
 * - else its private IPv4 under sslip.io, plain HTTP (reachable on its network only).
 * HTTPS needs the server's proxy to have TLS on; the URL carries the proxy's port when it is not 80/443.
 */
export function defaultDomainOf(
  service: Pick<ServiceRow, "id" | "defaultDomainLabel" | "defaultDomainEnabled">,
  server: Pick<
    ServerRow,
    "sameHost" | "publicIp" | "privateIp" | "proxyHttpPort" | "proxyHttpsPort" | "proxyTls"
  > | null,
  appsDomain: string | undefined,
): DefaultDomain | null {
  const label = service.defaultDomainLabel;
  if (!service.defaultDomainEnabled || !label || !server) return null;
  const short = service.id.replaceAll("-", "").slice(0, 8);
  const sslip = (ip: string) => `${label}-${short}.${ip.replaceAll(".", "-")}.sslip.io`;
  let domain: string;
  if (appsDomain) domain = `${label}.${appsDomain}`;
  else if (server.publicIp && isIP(server.publicIp) === 4 && !servedOverPlainHttp(sslip(server.publicIp)))
    domain = sslip(server.publicIp);
  else if (server.sameHost) domain = `${label}.localhost`;
  else if (server.privateIp && isIP(server.privateIp) === 4) domain = sslip(server.privateIp);
  else return null;
  const https = server.proxyTls !== false && !servedOverPlainHttp(domain);
  const port = https ? (server.proxyHttpsPort ?? 443) : (server.proxyHttpPort ?? 80);
  const shown = port === (https ? 443 : 80) ? "" : `:${port}`;
  return { domain, url: `${https ? "https" : "http"}://${domain}${shown}/` };
}
