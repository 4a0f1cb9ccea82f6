import { type EnvVar, MASKED_VALUE } from "@syntra/contracts";
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { services } from "../db/schema";
import { AppError, notFound } from "../errors";
import { ciphertextId, DecryptionError, decrypt, encrypt } from "../secrets/cipher";
import type { Keyring } from "../secrets/keyring";

/** One stored variable. */
interface StoredVar {
  value: string;
  secret: boolean;
  updated_at: string;
  /** Passed to builds as a build argument too; absent means run time only. */
  build_time?: boolean;
}

/** The decrypted variables of a service, by key. */
export type EnvMap = Map<string, StoredVar>;

// The service id is the authenticated context, so a ciphertext moved to another service does not open.
const contextOf = (serviceId: string) => `services.env_vars_encrypted:${serviceId}`;

/** Decrypts a service's variables (empty when none were ever set). */
export function openEnv(keyring: Keyring, serviceId: string, blob: Buffer | null): EnvMap {
  if (!blob || blob.length === 0) return new Map();
  let plain: Buffer;
  try {
    plain = decrypt(keyring, blob, contextOf(serviceId));
  } catch (err) {
    if (err instanceof DecryptionError) {
      throw new AppError("INTERNAL_ERROR", `Environment variables of this service cannot be read: ${err.message}`);
    }
    throw err;
  }
  const parsed = JSON.parse(plain.toString("utf8")) as { vars: Record<string, StoredVar> };
  return new Map(Object.entries(parsed.vars));
}

/** Counts of variables by ciphertext, per keyring (the key material that opened them). */
const counts = new WeakMap<Keyring, Map<string, number>>();
/** Ciphertexts whose count is remembered per keyring; the oldest is forgotten first. */
const COUNTS_KEPT = 10_000;

/**
 * How many variables a service has, for lists of services. Opening a service's variables means decrypting and
 * parsing up to 500 values on the event loop, for every service of every list; the count of a ciphertext never
 * changes, so it is computed once per ciphertext (its GCM tag is unique to it) and remembered.
 */
export function countEnv(keyring: Keyring, serviceId: string, blob: Buffer | null): number {
  const sealed = blob ? ciphertextId(blob) : null;
  if (!sealed) return openEnv(keyring, serviceId, blob).size;
  let cache = counts.get(keyring);
  if (!cache) {
    cache = new Map();
    counts.set(keyring, cache);
  }
  const id = `${serviceId}:${sealed}`;
  const known = cache.get(id);
  if (known !== undefined) return known;
  const count = openEnv(keyring, serviceId, blob).size;
  if (cache.size >= COUNTS_KEPT) cache.delete(cache.keys().next().value as string);
  cache.set(id, count);
  return count;
}

/** Encrypts variables under the primary key (so every write also re-encrypts after a key rotation). */
export function sealEnv(keyring: Keyring, serviceId: string, vars: EnvMap): Buffer {
  const json = JSON.stringify({ v: 1, vars: Object.fromEntries([...vars].sort(([a], [b]) => a.localeCompare(b))) });
  return encrypt(keyring, Buffer.from(json, "utf8"), contextOf(serviceId));
}

/** Lists variables; secret values are masked unless `reveal`. */
export function describeEnv(vars: EnvMap, reveal: boolean): EnvVar[] {
  return [...vars]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, v]) => {
      const masked = v.secret && !reveal;
      return {
        key,
        value: masked ? MASKED_VALUE : v.value,
        is_secret: v.secret,
        masked,
        is_build_time: v.build_time === true,
      };
    });
}

/**
 * Reads, changes and re-seals a service's variables in one transaction with the row locked, so two
 * concurrent edits cannot lose each other's keys.
 */
export async function updateEnv(
  db: Db,
  keyring: Keyring,
  serviceId: string,
  change: (vars: EnvMap) => void,
): Promise<EnvMap> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ blob: services.envVarsEncrypted })
      .from(services)
      .where(eq(services.id, serviceId))
      .for("update");
    if (!row) throw notFound("Service");
    const vars = openEnv(keyring, serviceId, row.blob);
    change(vars);
    await tx
      .update(services)
      .set({ envVarsEncrypted: sealEnv(keyring, serviceId, vars) })
      .where(eq(services.id, serviceId));
    return vars;
  });
}

/** Builds a new map of variables, all secret, from a plain record (service creation). */
export function envFromRecord(record: Record<string, string>, now: Date): EnvMap {
  return new Map(
    Object.entries(record).map(([k, value]) => [k, { value, secret: true, updated_at: now.toISOString() }]),
  );
}
