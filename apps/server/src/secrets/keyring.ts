import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { ConfigError } from "../config";

/** A 256-bit key and its 8-byte id (a hash prefix, so ciphertexts say which key made them). */
export interface MasterKey {
  id: Buffer;
  key: Buffer;
}

/** The key that encrypts now, and the earlier ones that still decrypt. */
export interface Keyring {
  primary: MasterKey;
  byId(id: Buffer): MasterKey | undefined;
}

const KEY_FILE = "master.key";

/** Turns 32 random bytes into a key with its id. */
export function toMasterKey(key: Buffer): MasterKey {
  return { id: createHash("sha256").update(key).digest().subarray(0, 8), key };
}

/** Parses a key given as base64 (44 chars) or hex (64 chars); throws ConfigError naming the variable. */
export function parseMasterKey(text: string, variable: string): MasterKey {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64");
  if (bytes.length !== 32) {
    throw new ConfigError(
      `Invalid configuration:\n  ${variable}: must be 32 bytes, base64 or hex encoded (generate one with: openssl rand -base64 32)`,
    );
  }
  return toMasterKey(bytes);
}

/**
 * Builds the keyring. The primary key is SYNTRA_MASTER_KEY, or else the key file in the data dir (created with
 * mode 0600 on first start). Earlier keys, and a key file left over after switching to SYNTRA_MASTER_KEY,
 * remain usable for decryption, so rotating never strands stored secrets.
 */
export async function loadKeyring(opts: {
  masterKey: string | undefined;
  previousMasterKeys: string[];
  dataDir: string;
}): Promise<Keyring> {
  const file = path.join(opts.dataDir, KEY_FILE);
  const fromFile = await readKeyFile(file);
  let primary: MasterKey;
  const older: MasterKey[] = opts.previousMasterKeys.map((k, i) =>
    parseMasterKey(k, `SYNTRA_MASTER_KEY_PREVIOUS (entry ${i + 1})`),
  );
  if (opts.masterKey) {
    primary = parseMasterKey(opts.masterKey, "SYNTRA_MASTER_KEY");
    if (fromFile) older.push(fromFile);
  } else if (fromFile) {
    primary = fromFile;
  } else {
    primary = toMasterKey(randomBytes(32));
    await fs.mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
    await fs.writeFile(file, `${primary.key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  }
  const all = [primary, ...older];
  return { primary, byId: (id) => all.find((k) => k.id.equals(id)) };
}

async function readKeyFile(file: string): Promise<MasterKey | undefined> {
  try {
    const stat = await fs.stat(file);
    if ((stat.mode & 0o077) !== 0) await fs.chmod(file, 0o600);
    return parseMasterKey(await fs.readFile(file, "utf8"), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
