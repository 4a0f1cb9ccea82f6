import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, X509Certificate } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import {
  AGENT_ENDPOINT_TLS_NAME,
  AGENT_STATE_FILES,
  type AgentCertificateGrant,
  agentCertificateGrant,
} from "@syntra/contracts";
import { writeAtomically } from "../request-log";

/** What an enrolled agent holds: its key and certificate, the CA it pinned, where to connect, the update key. */
export interface AgentCredentials {
  serverId: string;
  key: KeyObject;
  keyPem: string;
  /** The agent's certificate followed by the CA's (what it presents). */
  certificatePem: string;
  certificate: X509Certificate;
  caPem: string;
  endpointUrl: string;
  /** The Ed25519 key agent bundles must be signed with (pinned at enrolment, never replaced by a renewal). */
  bundleSigningKey: KeyObject;
}

/** The TLS options of every connection to the agent endpoint: our certificate, and only our CA's endpoint. */
export function tlsOptions(creds: AgentCredentials) {
  return {
    key: creds.keyPem,
    cert: creds.certificatePem,
    ca: creds.caPem,
    minVersion: "TLSv1.3" as const,
    // The endpoint may be reached by any host name or address; what counts is that the pinned CA vouches for it
    // as the agent endpoint (agents' own certificates carry no such name).
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(AGENT_ENDPOINT_TLS_NAME, cert),
  };
}

const dir = (stateDir: string) => path.join(stateDir, path.dirname(AGENT_STATE_FILES.grant));
const FILES = { key: "agent-key.pem", grant: path.basename(AGENT_STATE_FILES.grant) } as const;

/** The agent's key pair, made on first use and kept 0600 in the state dir (it never leaves this machine). */
export async function loadOrCreateKey(stateDir: string): Promise<{ key: KeyObject; keyPem: string }> {
  const file = path.join(dir(stateDir), FILES.key);
  try {
    const keyPem = await fs.readFile(file, "utf8");
    return { key: createPrivateKey(keyPem), keyPem };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await fs.mkdir(dir(stateDir), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const keyPem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  await writeAtomically(file, keyPem);
  return { key: privateKey, keyPem };
}

/**
 * A CSR for the agent's key (the same key across renewals: it never left this machine). The ASN.1 code is loaded
 * here, at enrolment and renewal only: an enrolled agent that restarts never holds it in memory.
 */
export async function certificateRequest(key: KeyObject, agentId: string): Promise<string> {
  const { buildCertificateRequest } = await import("./csr");
  return buildCertificateRequest(key, createPublicKey(key), agentId);
}

/** Saves what the control plane granted (certificate, CA, endpoint, update key) beside the key. */
export async function saveGrant(stateDir: string, grant: AgentCertificateGrant): Promise<void> {
  await fs.mkdir(dir(stateDir), { recursive: true, mode: 0o700 });
  await writeAtomically(path.join(dir(stateDir), FILES.grant), JSON.stringify(grant));
}

/** The saved credentials, or null when this agent has not enrolled (or its files are unreadable). */
export async function loadCredentials(stateDir: string): Promise<AgentCredentials | null> {
  let grant: AgentCertificateGrant;
  try {
    grant = agentCertificateGrant.parse(JSON.parse(await fs.readFile(path.join(dir(stateDir), FILES.grant), "utf8")));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new Error(`the agent's saved certificate is unreadable: ${(err as Error).message}`);
  }
  const { key, keyPem } = await loadOrCreateKey(stateDir);
  const certificate = new X509Certificate(grant.certificate_pem);
  if (!certificate.checkPrivateKey(key)) return null; // a grant for another key: enrol again
  return {
    serverId: grant.server_id,
    key,
    keyPem,
    certificatePem: grant.certificate_pem,
    certificate,
    caPem: grant.ca_pem,
    endpointUrl: grant.endpoint_url,
    bundleSigningKey: createPublicKey(grant.bundle_signing_key_pem),
  };
}

/** Milliseconds until the certificate expires (negative once it has). */
export function remainingMs(creds: AgentCredentials, now = Date.now()): number {
  return Date.parse(creds.certificate.validTo) - now;
}

/** True when less than half of the certificate's life is left: time to renew. */
export function shouldRenew(creds: AgentCredentials, now = Date.now()): boolean {
  const from = Date.parse(creds.certificate.validFrom);
  const to = Date.parse(creds.certificate.validTo);
  return now >= from + (to - from) / 2;
}
