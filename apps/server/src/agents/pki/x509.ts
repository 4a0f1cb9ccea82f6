import { createHash, createPublicKey, type KeyObject, randomBytes, sign, verify, X509Certificate } from "node:crypto";
import { CertificationRequest } from "@peculiar/asn1-csr";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";

// X.509 and PKCS#10 structures come from @peculiar/asn1-x509 / asn1-csr; the signatures are node:crypto's. Only
// EC P-256 with ECDSA-SHA256 is used or accepted: one algorithm, nothing to negotiate.

const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
const COMMON_NAME = "2.5.4.3";
const ORGANIZATION = "2.5.4.10";

/** What a certificate is for: the CA itself, a TLS server (the agent endpoint), or a TLS client (an agent). */
export type CertificateRole = "ca" | "server" | "client";

/** A name of common name and organization, the only attributes Syntra's certificates carry. */
function distinguishedName(commonName: string, organization = "Syntra"): Name {
  const attribute = (type: string, value: string) =>
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) }),
    ]);
  return new Name([attribute(ORGANIZATION, organization), attribute(COMMON_NAME, commonName)]);
}

function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** The key identifier RFC 5280 4.2.1.2 suggests: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spki: SubjectPublicKeyInfo): Buffer {
  return createHash("sha1").update(Buffer.from(spki.subjectPublicKey)).digest();
}

/** A copy of the bytes as the ArrayBuffer the ASN.1 classes hold. */
function arrayBuffer(bytes: Buffer): ArrayBuffer {
  return Uint8Array.from(bytes).buffer;
}

function toSpki(publicKey: KeyObject): SubjectPublicKeyInfo {
  return AsnConvert.parse(publicKey.export({ format: "der", type: "spki" }), SubjectPublicKeyInfo);
}

/** The fields of a certificate to issue. `issuer` is left out for a self-signed one. */
export interface CertificateRequestToSign {
  role: CertificateRole;
  commonName: string;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** DNS names (server role). */
  dnsNames?: string[];
  /** URIs naming the subject (client role: `urn:syntra:server:<id>`). */
  uris?: string[];
  /** The signing CA; absent: self-signed with `signingKey`. */
  issuer?: X509Certificate;
  signingKey: KeyObject;
}

/** A certificate made by `issueCertificate`, with what the stores keep of it. */
export interface IssuedCertificate {
  pem: string;
  der: Buffer;
  /** SHA-256 of the DER, lowercase hex: how the agent endpoint finds a connection's server. */
  fingerprintSha256: string;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
}

/** Signs a certificate (RFC 5280 profile: v3, random 128-bit serial, key identifiers, role-specific usages). */
export function issueCertificate(req: CertificateRequestToSign): IssuedCertificate {
  const spki = toSpki(req.publicKey);
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01; // positive and 16 bytes long, as RFC 5280 4.1.2.2 wants
  const subject = distinguishedName(req.commonName);
  const issuerSpki = req.issuer ? toSpki(req.issuer.publicKey) : spki;
  const issuerName = req.issuer ? AsnConvert.parse(req.issuer.raw, Certificate).tbsCertificate.subject : subject;
  const extensions = [
    extension(id_ce_subjectKeyIdentifier, false, new KeyIdentifier(keyIdentifier(spki))),
    extension(
      id_ce_authorityKeyIdentifier,
      false,
      new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyIdentifier(issuerSpki)) }),
    ),
  ];
  if (req.role === "ca") {
    extensions.push(extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint: 0 })));
    extensions.push(extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)));
  } else {
    extensions.push(extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })));
    extensions.push(extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)));
    const purpose = req.role === "server" ? id_kp_serverAuth : id_kp_clientAuth;
    extensions.push(extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([purpose])));
  }
  const altNames = [
    ...(req.dnsNames ?? []).map((dNSName) => new GeneralName({ dNSName })),
    ...(req.uris ?? []).map((uniformResourceIdentifier) => new GeneralName({ uniformResourceIdentifier })),
  ];
  if (altNames.length > 0)
    extensions.push(extension(id_ce_subjectAltName, false, new SubjectAlternativeName(altNames)));

  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: arrayBuffer(serial),
    signature: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    issuer: issuerName,
    subject,
    validity: new Validity({ notBefore: req.notBefore, notAfter: req.notAfter }),
    subjectPublicKeyInfo: spki,
    extensions: new Extensions(extensions),
  });
  const signature = sign("sha256", Buffer.from(AsnConvert.serialize(tbs)), req.signingKey);
  const der = Buffer.from(
    AsnConvert.serialize(
      new Certificate({
        tbsCertificate: tbs,
        signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
        signatureValue: arrayBuffer(signature),
      }),
    ),
  );
  // Read back by OpenSSL, so what the stores keep is what a TLS peer sees (seconds, not milliseconds).
  const made = new X509Certificate(der);
  return {
    pem: made.toString(),
    der,
    fingerprintSha256: certificateFingerprint(made),
    serialHex: made.serialNumber.toLowerCase(),
    notBefore: new Date(made.validFrom),
    notAfter: new Date(made.validTo),
  };
}

/** SHA-256 of a certificate's DER, lowercase hex without colons. */
export function certificateFingerprint(cert: X509Certificate | Buffer): string {
  return createHash("sha256")
    .update(Buffer.isBuffer(cert) ? cert : cert.raw)
    .digest("hex");
}

/** SHA-256 of a public key's SubjectPublicKeyInfo DER, lowercase hex. */
export function publicKeyFingerprint(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ format: "der", type: "spki" }))
    .digest("hex");
}

/** Why a certificate signing request was refused (the text is safe to answer with). */
export class CsrError extends Error {
  override readonly name = "CsrError";
}

/**
 * Reads a PKCS#10 request (PEM) and returns its public key once the request's own signature checks out (proof
 * that the sender holds the private key). Only EC P-256 keys signed with ECDSA-SHA256 are accepted.
 */
export function verifyCertificateRequest(pem: string): KeyObject {
  const match = /-----BEGIN CERTIFICATE REQUEST-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE REQUEST-----/.exec(pem);
  if (!match?.[1]) throw new CsrError("expected a PEM certificate request (-----BEGIN CERTIFICATE REQUEST-----)");
  let csr: CertificationRequest;
  try {
    csr = AsnConvert.parse(Buffer.from(match[1].replace(/\s+/g, ""), "base64"), CertificationRequest);
  } catch {
    throw new CsrError("the certificate request is not valid DER");
  }
  const info = csr.certificationRequestInfo;
  if (csr.signatureAlgorithm.algorithm !== ECDSA_WITH_SHA256) {
    throw new CsrError("the certificate request must be signed with ECDSA-SHA256");
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({
      key: Buffer.from(AsnConvert.serialize(info.subjectPKInfo)),
      format: "der",
      type: "spki",
    });
  } catch {
    throw new CsrError("the certificate request's public key cannot be read");
  }
  if (publicKey.asymmetricKeyType !== "ec" || publicKey.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new CsrError("the certificate request's key must be an EC P-256 key");
  }
  const signed = Buffer.from(AsnConvert.serialize(info));
  if (!verify("sha256", signed, publicKey, Buffer.from(csr.signature))) {
    throw new CsrError("the certificate request's signature does not match its key");
  }
  return publicKey;
}
