import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import tls from "node:tls";
import { AgentError } from "../errors";
import type { CertificateInfo, RouteCertificate } from "./types";

/** Issuer and validity of a certificate, as certificate_status reports them. */
export interface CertificateFacts {
  issuer: string;
  notBefore: string;
  notAfter: string;
}

/** `CN=Pebble Intermediate CA 1a2b3c, O=…` from node's one-attribute-per-line form. */
export function certificateFacts(cert: X509Certificate): CertificateFacts {
  return {
    issuer: cert.issuer.split("\n").filter(Boolean).join(", ").slice(0, 512),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

/** Whether the certificate is valid for `domain`; a wildcard domain needs a wildcard (or matching) name. */
export function covers(cert: X509Certificate, domain: string): boolean {
  // checkHost matches a hostname against the certificate's names; for `*.zone` ask about one name in the zone.
  const host = domain.startsWith("*.") ? `syntra-wildcard-check${domain.slice(1)}` : domain;
  return cert.checkHost(host, { subject: "default" }) !== undefined;
}

/**
 * Checks an uploaded certificate before it reaches a proxy: the PEM parses, the key parses and belongs to it.
 * Messages name the domains, never the PEM.
 */
export function checkCertificatePair(certificate: RouteCertificate): void {
  const label = certificate.domains.join(", ");
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(certificate.certPem);
  } catch {
    throw new AgentError("VALIDATION_ERROR", `The certificate for ${label} could not be read as a PEM certificate`);
  }
  try {
    key = createPrivateKey(certificate.keyPem);
  } catch {
    throw new AgentError(
      "VALIDATION_ERROR",
      `The key for ${label} could not be read as an unencrypted PEM private key`,
    );
  }
  if (!cert.checkPrivateKey(key)) {
    throw new AgentError("VALIDATION_ERROR", `The key for ${label} does not belong to its certificate`);
  }
}

/** The status of a domain served with an uploaded certificate, read from the PEM itself. */
export function customCertificateInfo(domain: string, certPem: string, now: Date): CertificateInfo {
  const base = { domain, source: "custom" as const };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return {
      ...base,
      status: "failed",
      error: { code: "unknown", message: "The uploaded certificate cannot be read" },
    };
  }
  const facts = certificateFacts(cert);
  const info: CertificateInfo = { ...base, status: "active", ...facts };
  if (!covers(cert, domain)) {
    return {
      ...info,
      status: "failed",
      error: { code: "unknown", message: `The uploaded certificate does not cover ${domain}` },
    };
  }
  if (now.getTime() > Date.parse(facts.notAfter)) {
    return {
      ...info,
      status: "failed",
      error: { code: "unknown", message: `The uploaded certificate expired on ${facts.notAfter}` },
    };
  }
  if (now.getTime() < Date.parse(facts.notBefore)) {
    return {
      ...info,
      status: "failed",
      error: { code: "unknown", message: `The uploaded certificate is valid only from ${facts.notBefore}` },
    };
  }
  return info;
}

/**
 * The certificate the proxy serves at `host:port` for SNI `servername`, or null when the handshake fails (no
 * certificate yet) or nothing answers. Nothing is verified here: this only reads what is served.
 */
export function servedCertificate(
  host: string,
  port: number,
  servername: string,
  timeoutMs = 3000,
): Promise<X509Certificate | null> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, servername, rejectUnauthorized: false, ALPNProtocols: ["http/1.1"] });
    const done = (cert: X509Certificate | null) => {
      socket.destroy();
      resolve(cert);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.once("secureConnect", () => done(socket.getPeerX509Certificate() ?? null));
    socket.once("error", () => done(null));
  });
}
