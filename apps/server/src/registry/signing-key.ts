import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  X509Certificate,
} from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { selfSignedCertificate } from "./self-signed-certificate";

/** The key registry tokens are signed with, and the certificate the registry trusts it by. */
export interface TokenSigningKey {
  privateKey: KeyObject;
  /** DER of the certificate, for the tokens' `x5c` header. */
  certificateDer: Buffer;
  /** `<data dir>/registry/token-ca.pem`: the registry's `auth.token.rootcertbundle`. */
  certificatePath: string;
}

const KEY_FILE = "token-key.pem";
const CERT_FILE = "token-ca.pem";
const CERT_DAYS = 3650;

/** Where the registry's `rootcertbundle` is written, for a data dir. */
export function tokenCertificatePath(dataDir: string): string {
  return path.join(dataDir, "registry", CERT_FILE);
}

/**
 * Reads the token signing key pair from `<data dir>/registry/`, creating it on first use: an EC P-256 key in
 * token-key.pem (mode 0600) and a self-signed certificate of it in token-ca.pem. A missing, unreadable, expired
 * or foreign certificate is made again from the key, so the registry's bundle always matches the signer (a
 * registry running meanwhile needs a restart to read a new one).
 */
export async function loadTokenSigningKey(dataDir: string): Promise<TokenSigningKey> {
  const dir = path.join(dataDir, "registry");
  const keyPath = path.join(dir, KEY_FILE);
  const certificatePath = path.join(dir, CERT_FILE);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const privateKey = await readOrCreateKey(keyPath);
  const publicKey = createPublicKey(privateKey);
  let certificate = await readCertificate(certificatePath);
  const expired = certificate && Date.parse(certificate.validTo) < Date.now();
  if (!certificate || expired || !certificate.publicKey.equals(publicKey)) {
    const pem = selfSignedCertificate({
      privateKey,
      publicKey,
      commonName: "Syntra registry token signer",
      days: CERT_DAYS,
    });
    // Written whole, then renamed: a registry starting meanwhile never reads half a bundle.
    const tmp = `${certificatePath}.${randomBytes(6).toString("hex")}.tmp`;
    await fs.writeFile(tmp, pem, { mode: 0o644 });
    await fs.rename(tmp, certificatePath);
    certificate = new X509Certificate(pem);
  }
  return { privateKey, certificateDer: certificate.raw, certificatePath };
}

async function readOrCreateKey(keyPath: string): Promise<KeyObject> {
  try {
    const stat = await fs.stat(keyPath);
    if ((stat.mode & 0o077) !== 0) await fs.chmod(keyPath, 0o600);
    return createPrivateKey(await fs.readFile(keyPath, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const tmp = `${keyPath}.${randomBytes(6).toString("hex")}.tmp`;
  await fs.writeFile(tmp, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
  try {
    // link() fails when the file exists: of two processes creating it at once, one key wins, whole.
    await fs.link(tmp, keyPath);
    return privateKey;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return createPrivateKey(await fs.readFile(keyPath, "utf8"));
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

async function readCertificate(certPath: string): Promise<X509Certificate | null> {
  try {
    return new X509Certificate(await fs.readFile(certPath));
  } catch {
    return null;
  }
}
