import { readFile } from "node:fs/promises";
import path from "node:path";
import type { IngestKeyGrant } from "@syntra/contracts";
import { writeFileAtomic } from "../atomic-file";

/** Why a request's key was refused, in words for the app's developer. */
export type KeyRefusal = { reason: "missing" | "unknown" | "expired"; message: string };

/**
 * The ingest keys this agent's receivers accept, each for one service: the control plane's `ingest_keys` list
 * (replacing the previous one) plus the keys of services deployed since. Kept in `<dir>/ingest-keys.json`, so a
 * restarted agent accepts its apps' telemetry before it reaches the control plane again.
 */
export class IngestKeyRing {
  private keys = new Map<string, { serviceId: string; expiresAt: number | null }>();

  private constructor(
    private readonly file: string,
    private readonly now: () => Date,
  ) {}

  static async open(dir: string, now: () => Date = () => new Date()): Promise<IngestKeyRing> {
    const ring = new IngestKeyRing(path.join(dir, "ingest-keys.json"), now);
    try {
      ring.load(JSON.parse(await readFile(ring.file, "utf8")) as IngestKeyGrant[]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    return ring;
  }

  private load(grants: readonly IngestKeyGrant[]): void {
    for (const g of grants) {
      this.keys.set(g.key, { serviceId: g.service_id, expiresAt: g.expires_at ? Date.parse(g.expires_at) : null });
    }
  }

  /** Replaces every key with the control plane's list. */
  async replace(grants: readonly IngestKeyGrant[]): Promise<void> {
    this.keys = new Map();
    this.load(grants);
    await this.save();
  }

  /** Adds keys (a deploy payload's) to the list. */
  async add(grants: readonly IngestKeyGrant[]): Promise<void> {
    if (grants.length === 0) return;
    this.load(grants);
    await this.save();
  }

  /** The service a key sends for, or why it is refused. */
  resolve(key: string | undefined): { serviceId: string } | KeyRefusal {
    if (!key) {
      return {
        reason: "missing",
        message:
          "send the service's ingest key in x-syntra-key (or Authorization: Bearer); see the service's OTLP settings",
      };
    }
    const found = this.keys.get(key);
    if (!found) return { reason: "unknown", message: "unknown ingest key for this server" };
    if (found.expiresAt !== null && found.expiresAt <= this.now().getTime()) {
      return { reason: "expired", message: "this ingest key was rotated and its grace period is over" };
    }
    return { serviceId: found.serviceId };
  }

  private async save(): Promise<void> {
    const grants: IngestKeyGrant[] = [...this.keys].map(([key, v]) => ({
      key,
      service_id: v.serviceId,
      expires_at: v.expiresAt === null ? null : new Date(v.expiresAt).toISOString(),
    }));
    await writeFileAtomic(this.file, JSON.stringify(grants), 0o600);
  }
}

/** The ingest key of a request: `x-syntra-key`, else an `Authorization: Bearer` token. */
export function keyFromHeaders(get: (name: string) => string | undefined): string | undefined {
  const direct = get("x-syntra-key")?.trim();
  if (direct) return direct;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(get("authorization") ?? "");
  return match?.[1];
}
