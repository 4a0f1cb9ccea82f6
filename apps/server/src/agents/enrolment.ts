import type { KeyObject } from "node:crypto";
import type { AgentCertificateGrant } from "@syntra/contracts";
import { and, desc, eq, gt, inArray, isNull } from "drizzle-orm";
import { plainWork, type UnitOfWork } from "../audit/unit-of-work";
import { sha256Hex } from "../auth/random";
import type { Db } from "../db/client";
import { agentCertificates, servers } from "../db/schema";
import { AppError } from "../errors";
import type { AgentServer } from "./agent-servers";
import type { AgentAuthority } from "./pki/authority";
import { CsrError, issueCertificate, publicKeyFingerprint, verifyCertificateRequest } from "./pki/x509";

/** What issuing an agent certificate needs besides the database. */
export interface IssuingContext {
  authority: AgentAuthority;
  /** Where agents connect with the certificate (wss://host:port). */
  endpointUrl: string;
  lifetimeMs: number;
  now: Date;
}

/**
 * A certificate is valid from a little before it was issued, as clocks differ: 5 minutes, or a tenth of a short
 * lifetime, so that agents (which renew at half of notBefore..notAfter) still renew at about half of the lifetime.
 */
const backdateMs = (lifetimeMs: number) => Math.min(5 * 60_000, lifetimeMs / 10);

function readRequest(csrPem: string): KeyObject {
  try {
    return verifyCertificateRequest(csrPem);
  } catch (err) {
    if (err instanceof CsrError) throw new AppError("CERTIFICATE_REQUEST_INVALID", err.message);
    throw err;
  }
}

function grant(ctx: IssuingContext, serverId: string, issued: { pem: string; notAfter: Date }): AgentCertificateGrant {
  return {
    server_id: serverId,
    certificate_pem: issued.pem + ctx.authority.caPem,
    not_after: issued.notAfter.toISOString(),
    ca_pem: ctx.authority.caPem,
    endpoint_url: ctx.endpointUrl,
    bundle_signing_key_pem: ctx.authority.bundleSigningPublicPem,
  };
}

function issueFor(ctx: IssuingContext, serverId: string, publicKey: KeyObject) {
  return issueCertificate({
    role: "client",
    commonName: serverId,
    uris: [`urn:syntra:server:${serverId}`],
    publicKey,
    issuer: ctx.authority.caCertificate,
    signingKey: ctx.authority.caKey,
    notBefore: new Date(ctx.now.getTime() - backdateMs(ctx.lifetimeMs)),
    notAfter: new Date(ctx.now.getTime() + ctx.lifetimeMs),
  });
}

const invalidToken = () =>
  new AppError("UNAUTHORIZED", "Unknown install token: use the syn_agt_ token of the server's install command");

/**
 * Trades a server's one-time install token and a CSR (proof that the agent holds the key) for a client certificate.
 * The token is spent in the same transaction that records the certificate, so two agents racing with one token get
 * one certificate. One exception keeps a lost answer from stranding an agent: the same key may ask again with the
 * spent token (a stolen token with another key is refused).
 */
export async function enrolAgent(
  db: Db,
  ctx: IssuingContext,
  body: { token: string; csr: string },
  change: UnitOfWork = plainWork(db),
): Promise<{ server: AgentServer; grant: AgentCertificateGrant }> {
  const tokenHash = sha256Hex(body.token);
  const [server] = await db
    .select({ id: servers.id, orgId: servers.orgId, name: servers.name, usedAt: servers.agentTokenUsedAt })
    .from(servers)
    .where(eq(servers.agentTokenHash, tokenHash))
    .limit(1);
  if (!server) throw invalidToken();
  const publicKey = readRequest(body.csr);
  const keyHash = publicKeyFingerprint(publicKey);
  const issued = issueFor(ctx, server.id, publicKey);
  await change(async (tx, audit) => {
    audit({ orgId: server.orgId, resourceId: server.id, details: { not_after: issued.notAfter.toISOString() } });
    const spent = await tx
      .update(servers)
      .set({ agentTokenUsedAt: ctx.now })
      .where(and(eq(servers.id, server.id), eq(servers.agentTokenHash, tokenHash), isNull(servers.agentTokenUsedAt)))
      .returning({ id: servers.id });
    if (spent.length === 0) {
      const [again] = await tx
        .select({ id: agentCertificates.id })
        .from(agentCertificates)
        .where(
          and(
            eq(agentCertificates.serverId, server.id),
            eq(agentCertificates.publicKeySha256, keyHash),
            eq(agentCertificates.issuedBy, "enrolment"),
            isNull(agentCertificates.revokedAt),
          ),
        )
        .limit(1);
      if (!again) {
        throw new AppError(
          "INSTALL_TOKEN_USED",
          "This install token was already used to enrol an agent; make a new install command for this server",
        );
      }
    }
    await tx.insert(agentCertificates).values({
      serverId: server.id,
      fingerprintSha256: issued.fingerprintSha256,
      serialHex: issued.serialHex,
      publicKeySha256: keyHash,
      notBefore: issued.notBefore,
      notAfter: issued.notAfter,
      issuedBy: "enrolment",
    });
  });
  return { server: { id: server.id, orgId: server.orgId, name: server.name }, grant: grant(ctx, server.id, issued) };
}

/** A new certificate for an agent that proved itself with its current one (on the agent endpoint). */
export async function renewAgentCertificate(
  db: Db,
  ctx: IssuingContext,
  serverId: string,
  csrPem: string,
): Promise<AgentCertificateGrant> {
  const publicKey = readRequest(csrPem);
  const issued = issueFor(ctx, serverId, publicKey);
  await db.insert(agentCertificates).values({
    serverId,
    fingerprintSha256: issued.fingerprintSha256,
    serialHex: issued.serialHex,
    publicKeySha256: publicKeyFingerprint(publicKey),
    notBefore: issued.notBefore,
    notAfter: issued.notAfter,
    issuedBy: "renewal",
  });
  return grant(ctx, serverId, issued);
}

/** The server of a connection's certificate, with the certificate's expiry. */
export interface CertifiedServer extends AgentServer {
  certificateNotAfter: Date;
}

/** Of these certificates, the ones no longer valid (revoked, expired, server deleted): their sockets must close. */
export async function invalidCertificates(db: Db, fingerprints: string[], now: Date): Promise<Set<string>> {
  if (fingerprints.length === 0) return new Set();
  const valid = await db
    .select({ fingerprint: agentCertificates.fingerprintSha256 })
    .from(agentCertificates)
    .where(
      and(
        inArray(agentCertificates.fingerprintSha256, fingerprints),
        isNull(agentCertificates.revokedAt),
        gt(agentCertificates.notAfter, now),
      ),
    );
  const ok = new Set(valid.map((r) => r.fingerprint));
  return new Set(fingerprints.filter((f) => !ok.has(f)));
}

/**
 * Revokes every certificate of the server's agent and spends its install token, so neither can connect again. The
 * caller closes the live connection.
 */
export async function revokeAgentCredentials(db: Db, serverId: string, now: Date): Promise<void> {
  // Callers run this in one transaction (the route's unit of work, with its audit entry).
  await db
    .update(agentCertificates)
    .set({ revokedAt: now })
    .where(and(eq(agentCertificates.serverId, serverId), isNull(agentCertificates.revokedAt)));
  await db
    .update(servers)
    .set({ agentTokenUsedAt: now, updatedAt: now })
    .where(and(eq(servers.id, serverId), isNull(servers.agentTokenUsedAt)));
}

/** The newest valid certificate of each server (for the API's `agent.certificate`); X.509 times have whole seconds, so a renewal within the second ties on notAfter and the later row wins. */
export async function currentCertificates(
  db: Db,
  serverIds: string[],
  now: Date,
): Promise<Map<string, typeof agentCertificates.$inferSelect>> {
  if (serverIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(agentCertificates)
    .where(
      and(
        inArray(agentCertificates.serverId, serverIds),
        isNull(agentCertificates.revokedAt),
        gt(agentCertificates.notAfter, now),
      ),
    )
    .orderBy(desc(agentCertificates.notAfter), desc(agentCertificates.createdAt));
  const newest = new Map<string, typeof agentCertificates.$inferSelect>();
  for (const row of rows) if (!newest.has(row.serverId)) newest.set(row.serverId, row);
  return newest;
}
