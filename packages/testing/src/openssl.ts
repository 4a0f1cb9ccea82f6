import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
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
