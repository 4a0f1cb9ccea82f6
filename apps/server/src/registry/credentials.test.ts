import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { tamperMac } from "@syntra/testing/hostile-values";
import { tempDirUntilExit } from "@syntra/testing/temp-dir";
import { type Keyring, loadKeyring } from "../secrets/keyring";
import { mintPullCredential, PULL_USERNAME, PUSH_USERNAME, pushCredential, verifyCredential } from "./credentials";

async function keyring(masterKey = randomBytes(32).toString("base64"), previous: string[] = []): Promise<Keyring> {
  const dataDir = await tempDirUntilExit("syntra-registry-cred-");
  return loadKeyring({ masterKey, previousMasterKeys: previous, dataDir });
}

const now = new Date("2030-01-01T00:00:00Z");
const inMinutes = (m: number) => new Date(now.getTime() + m * 60_000);

test("the build worker's push credential is derived from the master key: stable, and only that key's", async () => {
  const ring = await keyring();
  const cred = pushCredential(ring);
  assert.equal(cred.username, PUSH_USERNAME);
  assert.deepEqual(pushCredential(ring), cred, "the same every time, nothing stored");
  assert.deepEqual(verifyCredential(ring, cred.username, cred.password, now), { kind: "builder" });
  const other = await keyring();
  assert.notEqual(pushCredential(other).password, cred.password);
  assert.deepEqual(verifyCredential(other, cred.username, cred.password, now), { refused: "unknown key" });
});

test("a pull credential names its repository and works until its expiry, not a second longer", async () => {
  const ring = await keyring();
  const cred = mintPullCredential(ring, "acme/shop/web", inMinutes(15));
  assert.equal(cred.username, PULL_USERNAME);
  assert.deepEqual(verifyCredential(ring, cred.username, cred.password, now), {
    kind: "puller",
    repository: "acme/shop/web",
    expiresAt: inMinutes(15),
  });
  const lastSecond = new Date(inMinutes(15).getTime() - 1000);
  assert.ok("kind" in verifyCredential(ring, cred.username, cred.password, lastSecond));
  assert.deepEqual(verifyCredential(ring, cred.username, cred.password, inMinutes(15)), { refused: "expired" });
});

/** The last character of a 32-byte MAC in base64url carries 4 bits and 2 padding bits: one spelling more of it. */
function padded(last: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  return alphabet[alphabet.indexOf(last) ^ 1] ?? last;
}

test("tampered, swapped or foreign credentials are refused", async () => {
  const ring = await keyring();
  const cred = mintPullCredential(ring, "acme/shop/web", inMinutes(15));
  const [id, claims, mac] = cred.password.split(".") as [string, string, string];
  const forged = (body: object) => Buffer.from(JSON.stringify(body)).toString("base64url");
  const cases: [string, string, string][] = [
    ["another repository, old MAC", PULL_USERNAME, `${id}.${forged({ r: "acme/shop/db", e: 1_900_000_000 })}.${mac}`],
    ["a later expiry, old MAC", PULL_USERNAME, `${id}.${forged({ r: "acme/shop/web", e: 4_000_000_000 })}.${mac}`],
    ["one MAC character changed", PULL_USERNAME, tamperMac(cred.password)],
    ["the MAC's padding bits set", PULL_USERNAME, `${id}.${claims}.${mac.slice(0, -1)}${padded(mac.at(-1) ?? "")}`],
    [
      "the MAC in standard base64",
      PULL_USERNAME,
      `${id}.${claims}.${Buffer.from(mac, "base64url").toString("base64")}`,
    ],
    ["a pull credential as the builder", PUSH_USERNAME, cred.password],
    ["the push credential as a puller", PULL_USERNAME, `${pushCredential(ring).password}.x`],
    ["an unknown user", "admin", cred.password],
    ["garbage", PULL_USERNAME, "not-a-credential"],
    ["empty", PUSH_USERNAME, ""],
  ];
  for (const [what, username, password] of cases) {
    const result = verifyCredential(ring, username, password, now);
    assert.ok("refused" in result, `${what}: ${JSON.stringify(result)}`);
  }
  const elsewhere = mintPullCredential(await keyring(), "acme/shop/web", inMinutes(15));
  assert.deepEqual(verifyCredential(ring, elsewhere.username, elsewhere.password, now), { refused: "unknown key" });
});

test("credentials made before a master key rotation keep working while the old key is a previous key", async () => {
  const oldKey = randomBytes(32).toString("base64");
  const before = await keyring(oldKey);
  const pull = mintPullCredential(before, "acme/web", inMinutes(15));
  const push = pushCredential(before);
  const rotated = await keyring(randomBytes(32).toString("base64"), [oldKey]);
  assert.ok("kind" in verifyCredential(rotated, pull.username, pull.password, now));
  assert.ok("kind" in verifyCredential(rotated, push.username, push.password, now));
  assert.notEqual(pushCredential(rotated).password, push.password, "new credentials come from the new key");
});
