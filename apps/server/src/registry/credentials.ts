import { createHmac, timingSafeEqual } from "node:crypto";
import type { RegistryAuth } from "@syntra/contracts";
import type { Keyring, MasterKey } from "../secrets/keyring";

// The Basic credentials the token server accepts. Both are self-contained: nothing is stored, the master key
// vouches for them. Each names the master key that made it (its 8-byte id), so they survive a key rotation.

/** The build worker's username: push and pull on every repository. */
export const PUSH_USERNAME = "syntra-build";
/** The username of the per-deploy pull credentials. */
export const PULL_USERNAME = "syntra-pull";

/** Who a valid credential speaks for. */
export type RegistryIdentity = { kind: "builder" } | { kind: "puller"; repository: string; expiresAt: Date };

/** Why a credential was refused (for logs and the 401's message; never holds the credential). */
export type CredentialRefusal = "unknown user" | "malformed" | "unknown key" | "bad signature" | "expired";

/** A key of its own per purpose, so a MAC made for one can never pass as the other. */
function purposeKey(master: MasterKey, purpose: "push" | "pull"): Buffer {
  return createHmac("sha256", master.key).update(`syntra registry ${purpose} credential v1`).digest();
}

const mac = (key: Buffer, data: string) => createHmac("sha256", key).update(data).digest();

/** The build worker's push credential, derived from the master key. */
export function pushCredential(keyring: Keyring): RegistryAuth {
  const id = keyring.primary.id.toString("hex");
  return {
    username: PUSH_USERNAME,
    password: `${id}.${mac(purposeKey(keyring.primary, "push"), id).toString("base64url")}`,
  };
}

/** A pull credential for one repository until `expiresAt`: `<key id>.<claims>.<mac>`. */
export function mintPullCredential(keyring: Keyring, repository: string, expiresAt: Date): RegistryAuth {
  const id = keyring.primary.id.toString("hex");
  const claims = Buffer.from(JSON.stringify({ r: repository, e: Math.floor(expiresAt.getTime() / 1000) })).toString(
    "base64url",
  );
  const signed = `${id}.${claims}`;
  return {
    username: PULL_USERNAME,
    password: `${signed}.${mac(purposeKey(keyring.primary, "pull"), signed).toString("base64url")}`,
  };
}

/** Checks a Basic credential; the identity it proves, or why it proves none. */
export function verifyCredential(
  keyring: Keyring,
  username: string,
  password: string,
  now: Date,
): RegistryIdentity | { refused: CredentialRefusal } {
  if (username === PUSH_USERNAME) {
    const [id, given, ...rest] = password.split(".");
    if (!id || !given || rest.length > 0) return { refused: "malformed" };
    const key = keyFor(keyring, id);
    if (!key) return { refused: "unknown key" };
    return same(given, mac(purposeKey(key, "push"), id)) ? { kind: "builder" } : { refused: "bad signature" };
  }
  if (username === PULL_USERNAME) {
    const [id, claims, given, ...rest] = password.split(".");
    if (!id || !claims || !given || rest.length > 0) return { refused: "malformed" };
    const key = keyFor(keyring, id);
    if (!key) return { refused: "unknown key" };
    if (!same(given, mac(purposeKey(key, "pull"), `${id}.${claims}`))) return { refused: "bad signature" };
    const parsed = readPullClaims(claims);
    if (!parsed) return { refused: "malformed" };
    const expiresAt = new Date(parsed.e * 1000);
    if (now.getTime() >= expiresAt.getTime()) return { refused: "expired" };
    return { kind: "puller", repository: parsed.r, expiresAt };
  }
  return { refused: "unknown user" };
}

function keyFor(keyring: Keyring, hexId: string): MasterKey | undefined {
  return /^[0-9a-f]{16}$/.test(hexId) ? keyring.byId(Buffer.from(hexId, "hex")) : undefined;
}

/**
 * Constant-time comparison of a base64url MAC with the expected one, as text: decoding first would let other
 * spellings of the same bytes (padding bits set, characters base64url does not have) pass too.
 */
function same(given: string, expected: Buffer): boolean {
  const canonical = Buffer.from(expected.toString("base64url"));
  const text = Buffer.from(given);
  return text.length === canonical.length && timingSafeEqual(text, canonical);
}

function readPullClaims(claims: string): { r: string; e: number } | null {
  try {
    const value = JSON.parse(Buffer.from(claims, "base64url").toString("utf8")) as { r?: unknown; e?: unknown };
    return typeof value.r === "string" && typeof value.e === "number" ? { r: value.r, e: value.e } : null;
  } catch {
    return null;
  }
}
