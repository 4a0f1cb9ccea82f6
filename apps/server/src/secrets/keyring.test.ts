import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { tempDirUntilExit } from "@syntra/testing/temp-dir";
import { ConfigError } from "../config";
import { DecryptionError, decrypt, encrypt } from "./cipher";
import { loadKeyring } from "./keyring";

const tmp = () => tempDirUntilExit("syntra-keys-");

test("without SYNTRA_MASTER_KEY a key file is generated once, with mode 0600, and reused", async () => {
  const dir = await tmp();
  const first = await loadKeyring({ masterKey: undefined, previousMasterKeys: [], dataDir: dir });
  const stat = await fs.stat(path.join(dir, "master.key"));
  assert.equal(stat.mode & 0o777, 0o600);
  const second = await loadKeyring({ masterKey: undefined, previousMasterKeys: [], dataDir: dir });
  assert.ok(first.primary.key.equals(second.primary.key));
});

test("a loosened key file is tightened back to 0600", async () => {
  const dir = await tmp();
  await loadKeyring({ masterKey: undefined, previousMasterKeys: [], dataDir: dir });
  await fs.chmod(path.join(dir, "master.key"), 0o644);
  await loadKeyring({ masterKey: undefined, previousMasterKeys: [], dataDir: dir });
  assert.equal((await fs.stat(path.join(dir, "master.key"))).mode & 0o777, 0o600);
});

test("keys must be 32 bytes in base64 or hex, and the error names the variable", async () => {
  const dir = await tmp();
  await assert.rejects(
    loadKeyring({ masterKey: "too-short", previousMasterKeys: [], dataDir: dir }),
    (e: unknown) => e instanceof ConfigError && /SYNTRA_MASTER_KEY/.test(e.message) && !/too-short/.test(e.message),
  );
  const hex = randomBytes(32).toString("hex");
  const ring = await loadKeyring({ masterKey: hex, previousMasterKeys: [], dataDir: dir });
  assert.ok(ring.primary.key.equals(Buffer.from(hex, "hex")));
});

test("ciphertexts open only with their key and their context, and tampering is detected", async () => {
  const dir = await tmp();
  const ring = await loadKeyring({
    masterKey: randomBytes(32).toString("base64"),
    previousMasterKeys: [],
    dataDir: dir,
  });
  const blob = encrypt(ring, Buffer.from("hello"), "ctx-a");
  assert.equal(decrypt(ring, blob, "ctx-a").toString(), "hello");
  assert.notEqual(
    encrypt(ring, Buffer.from("hello"), "ctx-a").toString("hex"),
    blob.toString("hex"),
    "fresh IV each time",
  );
  assert.throws(() => decrypt(ring, blob, "ctx-b"), DecryptionError);
  const flipped = Buffer.from(blob);
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
  assert.throws(() => decrypt(ring, flipped, "ctx-a"), DecryptionError);
  const other = await loadKeyring({
    masterKey: randomBytes(32).toString("base64"),
    previousMasterKeys: [],
    dataDir: dir,
  });
  assert.throws(() => decrypt(other, blob, "ctx-a"), /SYNTRA_MASTER_KEY_PREVIOUS/);
});

test("previous keys keep old ciphertexts readable after a rotation", async () => {
  const dir = await tmp();
  const oldKey = randomBytes(32).toString("base64");
  const oldRing = await loadKeyring({ masterKey: oldKey, previousMasterKeys: [], dataDir: dir });
  const blob = encrypt(oldRing, Buffer.from("s3cret"), "c");
  const rotated = await loadKeyring({
    masterKey: randomBytes(32).toString("base64"),
    previousMasterKeys: [oldKey],
    dataDir: dir,
  });
  assert.equal(decrypt(rotated, blob, "c").toString(), "s3cret");
  const resealed = encrypt(rotated, Buffer.from("s3cret"), "c");
  assert.throws(() => decrypt(oldRing, resealed, "c"), DecryptionError, "new writes use the new key");
});
