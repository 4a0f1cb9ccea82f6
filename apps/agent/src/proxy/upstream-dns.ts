import { createHash } from "node:crypto";
import net from "node:net";
import * as dnsPacket from "dns-packet";
import type { Logger } from "pino";

/** Zone of the SRV names Caddy looks a service's containers up under (`<label>.upstreams.syntra.internal.`). */
export const UPSTREAM_ZONE = "upstreams.syntra.internal";
/** Zone of the SRV records' targets, one name per IPv4 address (`127-0-0-1.addr.syntra.internal.`). */
const ADDRESS_ZONE = "addr.syntra.internal";
// A DNS label: at most 63 characters, lowercase here because DNS names compare case-insensitively.
const PLAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The SRV name of a service's upstreams: its id when that is a DNS label (Syntra's UUIDs are), else a hash. */
export function upstreamName(serviceId: string): string {
  const label = PLAIN_LABEL.test(serviceId)
    ? serviceId
    : `h-${createHash("sha256").update(serviceId).digest("hex").slice(0, 40)}`;
  return `${label}.${UPSTREAM_ZONE}.`;
}

/** The target name of an IPv4 address (`127.0.0.1` -> `127-0-0-1.addr.syntra.internal.`). */
function addressName(ip: string): string {
  return `${ip.replaceAll(".", "-")}.${ADDRESS_ZONE}.`;
}

/** The address a target name stands for, or null. */
function addressOf(name: string): string | null {
  const match = new RegExp(
    `^(\\d{1,3})-(\\d{1,3})-(\\d{1,3})-(\\d{1,3})\\.${ADDRESS_ZONE.replaceAll(".", "\\.")}$`,
  ).exec(name);
  if (!match) return null;
  const parts = match.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts.join(".") : null;
}

interface Entry {
  upstreams: string[];
  /** When the proxy last had this service's records answered (ms), or null. */
  lastLookupAt: number | null;
}

export interface UpstreamDnsOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Keep the process alive while listening (the daemon); default false. */
  keepAlive?: boolean;
  logger?: Logger;
}

/** A whole table of upstreams, as the agent hands it to the daemon (see upstream-table.ts). */
export interface UpstreamTableFile {
  /** Increases with every write, so the writer can tell when the server has loaded it. */
  version: number;
  services: Record<string, string[]>;
}

/**
 * The DNS server Caddy's dynamic upstreams ask for a service's containers (DNS over TCP on loopback): an SRV
 * record per container (`host:port` as target name and port), and A records for the target names. Changing a
 * service's containers is a table update here, not a Caddy config change, so no reload closes the clients'
 * kept-alive connections. Unknown names answer NXDOMAIN, which makes Caddy use the route's static upstreams.
 * A TXT question about a name answers Syntra's status: the table version loaded and how many ms ago Caddy
 * last looked the service up, from which the agent knows when Caddy's cached answer has expired.
 */
export class UpstreamDns {
  private readonly entries = new Map<string, Entry>();
  private server: net.Server | null = null;
  private version = 0;

  constructor(private readonly options: UpstreamDnsOptions) {}

  /** Starts answering; resolves with the bound address. */
  async start(): Promise<{ host: string; port: number }> {
    if (!this.server) {
      const server = net.createServer((socket) => this.serve(socket));
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(this.options.port, this.options.host ?? "127.0.0.1", () => {
          server.off("error", reject);
          resolve();
        });
      });
      // In the agent, the proxy keeps serving from its cache and static upstreams without us: never hold it open.
      if (!this.options.keepAlive) server.unref();
      this.server = server;
    }
    return this.address();
  }

  /** Where the server listens (after start). */
  address(): { host: string; port: number } {
    const address = this.server?.address();
    if (!address || typeof address === "string") throw new Error("the upstream DNS server is not listening");
    return { host: address.address, port: address.port };
  }

  /** Resolver address for Caddy's `resolver.addresses`. */
  resolverAddress(): string {
    const { host, port } = this.address();
    return `tcp/${host.includes(":") ? `[${host}]` : host}:${port}`;
  }

  /** Replaces the whole table (the daemon loading the agent's file); lookup times of kept services stay. */
  load(table: UpstreamTableFile): void {
    const wanted = new Map(Object.entries(table.services).map(([id, ups]) => [upstreamName(id), ups]));
    for (const name of this.entries.keys()) if (!wanted.has(name)) this.entries.delete(name);
    for (const [name, upstreams] of wanted) {
      const entry = this.entries.get(name) ?? { upstreams: [], lastLookupAt: null };
      entry.upstreams = [...upstreams];
      this.entries.set(name, entry);
    }
    this.version = table.version;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Reads length-prefixed queries (RFC 1035 4.2.2) and answers each; a malformed one ends the connection. */
  private serve(socket: net.Socket): void {
    let buffered = Buffer.alloc(0);
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) return;
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        let answer: Buffer;
        try {
          answer = dnsPacket.streamEncode(this.answer(dnsPacket.decode(message)));
        } catch (err) {
          this.options.logger?.debug({ err }, "malformed query to the upstream DNS server");
          socket.destroy();
          return;
        }
        socket.write(answer);
      }
    });
  }

  private answer(query: dnsPacket.DecodedPacket): dnsPacket.Packet {
    const question = query.questions?.[0];
    const response: dnsPacket.Packet = {
      type: "response",
      id: query.id ?? 0,
      // Authoritative, so an empty answer is "no records" rather than a lame referral to Go's resolver.
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      questions: question ? [question] : [],
      answers: [],
    };
    if (!question) return response;
    const name = question.name.toLowerCase().replace(/\.$/, "");
    const address = addressOf(name);
    if (address) {
      if (question.type === "A") response.answers?.push({ type: "A", name: question.name, ttl: 0, data: address });
      return response;
    }
    const entry = this.entries.get(`${name}.`);
    if (question.type === "TXT") {
      // Syntra's status record, for the agent: the table version loaded and ms since the proxy's last lookup.
      const ago = entry?.lastLookupAt == null ? "none" : String(Date.now() - entry.lastLookupAt);
      response.answers?.push({ type: "TXT", name: question.name, ttl: 0, data: [`v=${this.version}`, `ago=${ago}`] });
      return response;
    }
    if (!entry) return { ...response, flags: dnsPacket.AUTHORITATIVE_ANSWER | NXDOMAIN };
    if (question.type === "SRV") {
      for (const upstream of entry.upstreams) {
        const [ip, port] = splitUpstream(upstream);
        response.answers?.push({
          type: "SRV",
          name: question.name,
          ttl: 0,
          data: { priority: 0, weight: 1, port, target: addressName(ip) },
        });
      }
      entry.lastLookupAt = Date.now();
    }
    return response;
  }
}

// The rcode in a header's low four bits (RFC 1035 4.1.1).
const NXDOMAIN = 3;

function splitUpstream(upstream: string): [string, number] {
  const colon = upstream.lastIndexOf(":");
  return [upstream.slice(0, colon), Number(upstream.slice(colon + 1))];
}
