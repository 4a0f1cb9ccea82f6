import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Keyring } from "./keyring";

const VERSION = 1;
const ID_LENGTH = 8;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = 1 + ID_LENGTH + IV_LENGTH + TAG_LENGTH;

/** Thrown when a ciphertext cannot be opened: unknown key, tampered bytes, or the wrong context. */
export class DecryptionError extends Error {
  override readonly name = "DecryptionError";
}

/**
 * AES-256-GCM under the primary key. Layout: version (1) | key id (8) | iv (12) | tag (16) | ciphertext.
 * `context` (for example the service id) is authenticated but not stored, so a ciphertext copied onto
 * another row does not decrypt.
 */
export function encrypt(keyring: Keyring, plaintext: Buffer, context: string): Buffer {
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv("aes-256-gcm", keyring.primary.key, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), keyring.primary.id, iv, cipher.getAuthTag(), body]);
}

/** Opens what encrypt made, with whichever keyring key made it. */
export function decrypt(keyring: Keyring, blob: Buffer, context: string): Buffer {
  if (blob.length < HEADER_LENGTH || blob[0] !== VERSION) throw new DecryptionError("Unknown ciphertext format");
  const id = blob.subarray(1, 1 + ID_LENGTH);
  const key = keyring.byId(id);
  if (!key) {
    throw new DecryptionError(
      "Secret was encrypted with a master key this server does not have (add the old key to SYNTRA_MASTER_KEY_PREVIOUS)",
    );
  }
  const iv = blob.subarray(1 + ID_LENGTH, 1 + ID_LENGTH + IV_LENGTH);
  const tag = blob.subarray(1 + ID_LENGTH + IV_LENGTH, HEADER_LENGTH);
  const decipher = createDecipheriv("aes-256-gcm", key.key, iv, { authTagLength: TAG_LENGTH });
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(blob.subarray(HEADER_LENGTH)), decipher.final()]);
  } catch {
    throw new DecryptionError("Secret failed authentication (tampered, or stored for another resource)");
  }
}

/**
 * A short identity of a ciphertext, its GCM tag (unique to the key, IV and bytes it authenticates): a cache key for
 * what is derived from the plaintext. Null for a blob that is not one of encrypt's.
 */
export function ciphertextId(blob: Buffer): string | null {
  if (blob.length < HEADER_LENGTH || blob[0] !== VERSION) return null;
  return blob.subarray(1 + ID_LENGTH + IV_LENGTH, HEADER_LENGTH).toString("base64");
}

/** True when the blob was made by a key other than the primary one and should be re-encrypted. */
export function isStale(keyring: Keyring, blob: Buffer): boolean {
  return !blob.subarray(1, 1 + ID_LENGTH).equals(keyring.primary.id);
}
