import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, X509Certificate } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { agentAuthority } from "../../db/schema";
import { decrypt, encrypt } from "../../secrets/cipher";
import type { Keyring } from "../../secrets/keyring";
import { issueCertificate } from "./x509";

/** The control plane's internal CA for agents and the key that signs agent bundles. */
export interface AgentAuthority {
  caCertificate: X509Certificate;
  caPem: string;
  caKey: KeyObject;
  bundleSigningKey: KeyObject;
  /** SPKI PEM of the bundle-signing key, which agents pin at enrolment. */
  bundleSigningPublicPem: string;
}

const CA_YEARS = 10;
// Authenticated with each sealed key, so one cannot be swapped for the other in the row.
const CA_CONTEXT = "agent-authority:ca-key";
const BUNDLE_CONTEXT = "agent-authority:bundle-signing-key";

/**
 * The agents' CA and bundle-signing key from the database, made on first use (P-256 CA valid 10 years, Ed25519
 * signing key), private keys sealed with the master key. Several replicas starting at once agree on one: the row
 * has a fixed id, the first insert wins and the others read it.
 */
export async function loadAgentAuthority(db: Db, keyring: Keyring, now: Date = new Date()): Promise<AgentAuthority> {
  const existing = await readAuthority(db, keyring);
  if (existing) return existing;
  const ca = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const signing = generateKeyPairSync("ed25519");
  const cert = issueCertificate({
    role: "ca",
    commonName: "Syntra agents CA",
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    notBefore: new Date(now.getTime() - 3_600_000),
    notAfter: new Date(now.getTime() + CA_YEARS * 365 * 86_400_000),
  });
  const seal = (key: KeyObject, context: string) =>
    encrypt(keyring, Buffer.from(key.export({ format: "der", type: "pkcs8" })), context);
  await db
    .insert(agentAuthority)
    .values({
      id: 1,
      caCertificatePem: cert.pem,
      caKeySealed: seal(ca.privateKey, CA_CONTEXT),
      bundleSigningPublicPem: signing.publicKey.export({ format: "pem", type: "spki" }).toString(),
      bundleSigningKeySealed: seal(signing.privateKey, BUNDLE_CONTEXT),
    })
    .onConflictDoNothing();
  const made = await readAuthority(db, keyring);
  if (!made) throw new Error("the agent authority row is missing right after it was written");
  return made;
}

async function readAuthority(db: Db, keyring: Keyring): Promise<AgentAuthority | null> {
  const [row] = await db.select().from(agentAuthority).where(eq(agentAuthority.id, 1)).limit(1);
  if (!row) return null;
  const open = (sealed: Buffer, context: string) =>
    createPrivateKey({ key: decrypt(keyring, sealed, context), format: "der", type: "pkcs8" });
  const caCertificate = new X509Certificate(row.caCertificatePem);
  const caKey = open(row.caKeySealed, CA_CONTEXT);
  if (!caCertificate.publicKey.equals(createPublicKey(caKey))) {
    throw new Error("the agent CA's certificate does not match its key");
  }
  return {
    caCertificate,
    caPem: row.caCertificatePem,
    caKey,
    bundleSigningKey: open(row.bundleSigningKeySealed, BUNDLE_CONTEXT),
    bundleSigningPublicPem: row.bundleSigningPublicPem,
  };
}
