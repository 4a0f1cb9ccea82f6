import { type KeyObject, randomBytes, sign } from "node:crypto";

// Node can make keys but not X.509 certificates; the registry wants its token signer as a certificate
// (`rootcertbundle`). This is the least DER that makes one: a self-signed P-256 certificate (RFC 5280).

/** One DER element: tag, definite length, content. */
function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

const sequence = (...items: Buffer[]) => der(0x30, ...items);
const set = (...items: Buffer[]) => der(0x31, ...items);
const utf8 = (text: string) => der(0x0c, Buffer.from(text, "utf8"));
const bitString = (bytes: Buffer) => der(0x03, Buffer.from([0]), bytes);
const octetString = (bytes: Buffer) => der(0x04, bytes);
const bool = (value: boolean) => der(0x01, Buffer.from([value ? 0xff : 0]));
const explicit = (n: number, item: Buffer) => der(0xa0 + n, item);

/** A non-negative INTEGER from big-endian bytes (a leading 0 keeps the sign bit clear). */
function integer(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0 && ((bytes[i + 1] ?? 0) & 0x80) === 0) i++;
  const trimmed = bytes.subarray(i);
  return der(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split(".").map(Number);
  const out = [40 * a + b];
  for (const part of rest) {
    const chunk = [part & 0x7f];
    for (let v = part >> 7; v > 0; v >>= 7) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
}

/** UTCTime up to 2049, GeneralizedTime after, as RFC 5280 4.1.2.5 requires. */
function time(at: Date): Buffer {
  const iso = at.toISOString().replace(/[-:T]/g, "").slice(0, 14); // YYYYMMDDHHMMSS
  return at.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(`${iso.slice(2)}Z`)) : der(0x18, Buffer.from(`${iso}Z`));
}

const ECDSA_WITH_SHA256 = sequence(oid("1.2.840.10045.4.3.2"));

/**
 * A self-signed certificate (PEM) for an EC P-256 key pair: subject = issuer = `commonName`, marked as a CA
 * that may sign (what a verifier wants of a trust anchor), valid from a minute ago for `days`.
 */
export function selfSignedCertificate(opts: {
  privateKey: KeyObject;
  publicKey: KeyObject;
  commonName: string;
  days: number;
  now?: Date;
}): string {
  const now = opts.now ?? new Date();
  const name = sequence(set(sequence(oid("2.5.4.3"), utf8(opts.commonName))));
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const extensions = sequence(
    // basicConstraints, critical: cA TRUE
    sequence(oid("2.5.29.19"), bool(true), octetString(sequence(bool(true)))),
    // keyUsage, critical: digitalSignature (bit 0) and keyCertSign (bit 5): 0b10000100, 2 unused bits
    sequence(oid("2.5.29.15"), bool(true), octetString(der(0x03, Buffer.from([2, 0x84])))),
  );
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    ECDSA_WITH_SHA256,
    name,
    sequence(time(new Date(now.getTime() - 60_000)), time(new Date(now.getTime() + opts.days * 86_400_000))),
    name,
    opts.publicKey.export({ format: "der", type: "spki" }),
    explicit(3, extensions),
  );
  const signature = sign("sha256", tbs, opts.privateKey); // DER-encoded ECDSA-Sig-Value, as X.509 wants
  const cert = sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));
  const lines = cert.toString("base64").match(/.{1,64}/g) ?? [];
  return ["-----BEGIN CERTIFICATE-----", ...lines, "-----END CERTIFICATE-----", ""].join("\n");
}
