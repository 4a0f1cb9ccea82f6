import assert from "node:assert/strict";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { test } from "node:test";
import { certificateRequest, tamperPem } from "@syntra/testing/openssl";
import { CsrError, issueCertificate, verifyCertificateRequest } from "./x509";

const hour = 3_600_000;
const ca = generateKeyPairSync("ec", { namedCurve: "P-256" });
const caCert = new X509Certificate(
  issueCertificate({
    role: "ca",
    commonName: "Test agents CA",
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    notBefore: new Date(Date.now() - hour),
    notAfter: new Date(Date.now() + 24 * hour),
  }).pem,
);

test("a CA certificate is self-signed and may sign; a client certificate from openssl's CSR chains to it", async () => {
  assert.ok(caCert.ca);
  assert.ok(caCert.verify(ca.publicKey));
  const { csrPem, keyPem } = await certificateRequest({ commonName: "agt_test" });
  const key = verifyCertificateRequest(csrPem);
  const issued = issueCertificate({
    role: "client",
    commonName: "server 1",
    uris: ["urn:syntra:server:1"],
    publicKey: key,
    issuer: caCert,
    signingKey: ca.privateKey,
    notBefore: new Date(),
    notAfter: new Date(Date.now() + hour),
  });
  const cert = new X509Certificate(issued.pem);
  assert.equal(cert.ca, false);
  assert.ok(cert.checkIssued(caCert));
  assert.ok(cert.verify(ca.publicKey));
  assert.ok(cert.checkPrivateKey((await import("node:crypto")).createPrivateKey(keyPem)));
  assert.equal(cert.subjectAltName, "URI:urn:syntra:server:1");
  assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.2"]);
  assert.equal(issued.fingerprintSha256, cert.fingerprint256.replaceAll(":", "").toLowerCase());
  assert.equal(issued.notAfter.getTime(), new Date(cert.validTo).getTime());
});

test("a server certificate names the endpoint and is for TLS servers only", () => {
  const endpoint = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const cert = new X509Certificate(
    issueCertificate({
      role: "server",
      commonName: "agent endpoint",
      dnsNames: ["agents.syntra.internal"],
      publicKey: endpoint.publicKey,
      issuer: caCert,
      signingKey: ca.privateKey,
      notBefore: new Date(),
      notAfter: new Date(Date.now() + hour),
    }).pem,
  );
  assert.equal(cert.checkHost("agents.syntra.internal"), "agents.syntra.internal");
  assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.1"]);
});

test("a CSR is refused when its signature does not match its key, when it is no CSR, or not P-256", async () => {
  const { csrPem } = await certificateRequest({ commonName: "agt_test" });
  assert.throws(() => verifyCertificateRequest(tamperPem(csrPem)), CsrError);
  assert.throws(() => verifyCertificateRequest("hello"), /PEM certificate request/);
  assert.throws(
    () => verifyCertificateRequest("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----"),
    /not valid DER/,
  );
  const p384 = await certificateRequest({ commonName: "agt_test", curve: "P-384" });
  assert.throws(() => verifyCertificateRequest(p384.csrPem), /P-256/);
});
