import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A certificate and its private key, PEM encoded. */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

/**
 * A self-signed certificate made by the `openssl` binary (P-256 key), for test TLS listeners and for the
 * "custom certificates" a user would upload. `names` become the subjectAltName (DNS names, wildcards and IP
 * addresses); the subject and so the issuer is `CN=<commonName>`.
 */
export async function selfSignedCertificate(options: {
  commonName: string;
  names: string[];
  days?: number;
}): Promise<PemPair> {
  const dir = await mkdtemp(path.join(tmpdir(), "syntra-openssl-"));
  try {
    const keyFile = path.join(dir, "key.pem");
    const certFile = path.join(dir, "cert.pem");
    const san = options.names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      String(options.days ?? 7),
      "-subj",
      `/CN=${options.commonName}`,
      "-addext",
      `subjectAltName=${san}`,
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ]);
    return { certPem: await readFile(certFile, "utf8"), keyPem: await readFile(keyFile, "utf8") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A PKCS#10 certificate request made by `openssl req -new`, for `keyPem` or else a new key of `curve`, and the key
 * (PEM).
 */
export async function certificateRequest(options: {
  commonName: string;
  curve?: "P-256" | "P-384";
  keyPem?: string;
}): Promise<{ csrPem: string; keyPem: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), "syntra-openssl-"));
  try {
    const keyFile = path.join(dir, "key.pem");
    const csrFile = path.join(dir, "req.pem");
    let key = ["-newkey", "ec", "-pkeyopt", `ec_paramgen_curve:${options.curve ?? "P-256"}`, "-keyout", keyFile];
    if (options.keyPem) {
      await writeFile(keyFile, options.keyPem, { mode: 0o600 });
      key = ["-key", keyFile];
    }
    await run("openssl", ["req", "-new", ...key, "-nodes", "-subj", `/CN=${options.commonName}`, "-out", csrFile]);
    return { csrPem: await readFile(csrFile, "utf8"), keyPem: await readFile(keyFile, "utf8") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether `openssl req -verify` accepts a certificate request's self-signature. */
export async function opensslVerifiesRequest(csrPem: string): Promise<boolean> {
  const dir = await mkdtemp(path.join(tmpdir(), "syntra-openssl-"));
  try {
    const csrFile = path.join(dir, "req.pem");
    await writeFile(csrFile, csrPem);
    // OpenSSL 3 exits 0 on a failed check with -noout: its words decide.
    const { stdout, stderr } = await run("openssl", ["req", "-in", csrFile, "-verify", "-noout"]);
    return /self-signature verify OK/.test(`${stdout}${stderr}`);
  } catch {
    return false;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A PEM block with one byte of its DER flipped at `fromEnd` bytes before the end (inside a trailing signature). */
export function tamperPem(pem: string, fromEnd = 8): string {
  const [, label = "", body = ""] = /-----BEGIN ([A-Z ]+)-----([\s\S]+?)-----END/.exec(pem) ?? [];
  const der = Buffer.from(body.replace(/\s+/g, ""), "base64");
  const at = der.length - fromEnd;
  der[at] = (der[at] ?? 0) ^ 0x01;
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`, ""].join("\n");
}
