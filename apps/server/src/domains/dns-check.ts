import { randomBytes } from "node:crypto";
import { Resolver } from "node:dns/promises";
import { isIP } from "node:net";

/** Where a domain must lead: the hostname and public address the server's agent reported. */
export interface DnsTarget {
  hostname: string | null;
  publicIp: string | null;
}

/** The outcome of one DNS check; `reason` tells the user what to fix. */
export type DnsCheckResult = { verified: true } | { verified: false; reason: string };

// A CNAME chain longer than this is a loop or a misconfiguration.
const MAX_CNAME_HOPS = 8;

/** A resolver asking `server` ("ip" or "ip:port"), or the system's resolvers when it is undefined. */
export function createResolver(server: string | undefined): Resolver {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  if (server) resolver.setServers([server]);
  return resolver;
}

const canonical = (name: string) => name.toLowerCase().replace(/\.$/, "");

// "no such name" and "no record of that type" are answers, not failures; anything else (timeouts) is thrown.
const NO_ANSWER = new Set(["ENOTFOUND", "ENODATA", "ENONAME"]);

async function lookup(query: () => Promise<string[]>): Promise<string[]> {
  try {
    return await query();
  } catch (err) {
    if (NO_ANSWER.has((err as NodeJS.ErrnoException).code ?? "")) return [];
    throw err;
  }
}

/**
 * Checks that `domain` leads to the server: a CNAME chain ending at its hostname, or A/AAAA records that
 * include its public IP. A wildcard `*.example.com` is checked through a random name under it, which only a
 * wildcard record answers (a record for one subdomain does not verify the whole wildcard).
 */
export async function checkDomainDns(resolver: Resolver, domain: string, target: DnsTarget): Promise<DnsCheckResult> {
  if (domain.startsWith("*.")) {
    const probe = `syntra-probe-${randomBytes(6).toString("hex")}.${domain.slice(2)}`;
    const result = await checkDomainDns(resolver, probe, target);
    return result.verified
      ? result
      : {
          verified: false,
          reason: `the wildcard record ${domain} is missing or wrong: ${result.reason.replace(probe, "a name under it")}`,
        };
  }
  const hostname = target.hostname ? canonical(target.hostname) : null;
  const publicIp = target.publicIp && isIP(target.publicIp) ? target.publicIp : null;
  if (!hostname && !publicIp) {
    return { verified: false, reason: "this server has not reported a hostname or public IP yet" };
  }
  let name = domain;
  const chain: string[] = [];
  for (let hop = 0; hop < MAX_CNAME_HOPS; hop++) {
    const [next] = await lookup(() => resolver.resolveCname(name));
    if (!next) break;
    name = canonical(next);
    chain.push(name);
    if (hostname && name === hostname) return { verified: true };
  }
  const addresses = [
    ...(await lookup(() => resolver.resolve4(name))),
    ...(await lookup(() => resolver.resolve6(name))),
  ];
  if (publicIp && addresses.some((a) => sameAddress(a, publicIp))) return { verified: true };
  const last = chain.at(-1);
  if (last && hostname) return { verified: false, reason: `CNAME points to ${last}, expected ${hostname}` };
  if (addresses.length > 0) {
    const expected = publicIp ? `this server is ${publicIp}` : `expected a CNAME to ${hostname}`;
    return { verified: false, reason: `${domain} points to ${addresses.join(", ")}, ${expected}` };
  }
  if (last) return { verified: false, reason: `CNAME points to ${last}, which has no address` };
  return { verified: false, reason: `no record found for ${domain}` };
}

// IPv6 has several spellings of one address; compare the expanded forms.
function sameAddress(a: string, b: string): boolean {
  if (isIP(a) !== isIP(b)) return false;
  if (isIP(a) === 4) return a === b;
  return expand6(a) === expand6(b);
}

function expand6(ip: string): string {
  const [head = "", tail = ""] = ip.toLowerCase().split("::");
  const h = head ? head.split(":") : [];
  const t = ip.includes("::") ? (tail ? tail.split(":") : []) : [];
  const zeros = Array(8 - h.length - t.length).fill("0");
  return [...h, ...zeros, ...t].map((g) => g.padStart(4, "0")).join(":");
}
