import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createPublicKey, X509Certificate } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { tempDirUntilExit } from "@syntra/testing/temp-dir";
import { loadTokenSigningKey, tokenCertificatePath } from "./signing-key";

const run = promisify(execFile);
const tmp = () => tempDirUntilExit("syntra-token-key-");

test("the signing key is made once (mode 0600) with a self-signed certificate of it beside it, and reused", async () => {
  const dir = await tmp();
  const first = await loadTokenSigningKey(dir);
  assert.equal(first.certificatePath, path.join(dir, "registry", "token-ca.pem"));
  assert.equal(tokenCertificatePath(dir), first.certificatePath);
  assert.equal((await fs.stat(path.join(dir, "registry", "token-key.pem"))).mode & 0o777, 0o600);
  const cert = new X509Certificate(await fs.readFile(first.certificatePath));
  assert.ok(cert.publicKey.equals(createPublicKey(first.privateKey)), "the certificate is of the signing key");
  assert.ok(cert.checkIssued(cert) && cert.verify(cert.publicKey), "self-signed");
  assert.ok(cert.ca);
  assert.ok(Date.parse(cert.validTo) > Date.now() + 9 * 365 * 86_400_000);
  assert.deepEqual(cert.raw, first.certificateDer);
  // OpenSSL, an independent parser, accepts it as its own trust anchor.
  const { stdout } = await run("openssl", ["verify", "-CAfile", first.certificatePath, first.certificatePath]);
  assert.match(stdout, /: OK/);

  const again = await loadTokenSigningKey(dir);
  assert.ok(createPublicKey(again.privateKey).equals(createPublicKey(first.privateKey)));
  assert.deepEqual(again.certificateDer, first.certificateDer, "the certificate is kept too");
});

test("a lost or foreign certificate is made again from the key; concurrent first starts agree on one key", async () => {
  const dir = await tmp();
  const loaded = await Promise.all([loadTokenSigningKey(dir), loadTokenSigningKey(dir), loadTokenSigningKey(dir)]);
  const keys = loaded.map((k) => createPublicKey(k.privateKey).export({ format: "der", type: "spki" }).toString("hex"));
  assert.equal(new Set(keys).size, 1);

  const [key] = loaded;
  assert.ok(key);
  const foreign = await loadTokenSigningKey(await tmp());
  await fs.copyFile(foreign.certificatePath, key.certificatePath);
  const mended = await loadTokenSigningKey(dir);
  assert.ok(new X509Certificate(mended.certificateDer).publicKey.equals(createPublicKey(key.privateKey)));
  await fs.rm(key.certificatePath);
  const remade = await loadTokenSigningKey(dir);
  assert.ok(
    new X509Certificate(await fs.readFile(remade.certificatePath)).publicKey.equals(createPublicKey(key.privateKey)),
  );
});
