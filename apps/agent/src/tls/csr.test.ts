import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import { opensslVerifiesRequest } from "@syntra/testing/openssl";
import { buildCertificateRequest } from "./csr";

test("openssl accepts the agent's certificate request and refuses it once a byte of its signature changes", async () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const csr = buildCertificateRequest(privateKey, publicKey, "agt_abc123");
  assert.ok(await opensslVerifiesRequest(csr));
  const other = generateKeyPairSync("ec", { namedCurve: "P-256" });
  assert.equal(await opensslVerifiesRequest(buildCertificateRequest(other.privateKey, publicKey, "agt_abc123")), false);
});
