import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { createLogger } from "./logger";

/** A stdout stand-in that keeps what was written; `isTTY` as a terminal or a pipe would report it. */
function output(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  const chunks: string[] = [];
  stream.on("data", (c: Buffer) => chunks.push(String(c)));
  return { stream, text: () => chunks.join("") };
}

const entry = { user: "ana@example.com", password: "hunter2-secret", nested: { token: "syn_usr_abcdef" } };

test("auto writes JSON lines to a pipe and readable lines to a terminal, hiding secrets in both", async () => {
  const pipe = output(false);
  createLogger({ logLevel: "info", logFormat: "auto" }, pipe.stream).info(entry, "signed in");
  const tty = output(true);
  createLogger({ logLevel: "info", logFormat: "auto" }, tty.stream).info(entry, "signed in");
  await new Promise((r) => setImmediate(r));

  const line = JSON.parse(pipe.text().trim());
  assert.equal(line.msg, "signed in");
  assert.equal(line.password, "[redacted]");
  assert.equal(line.nested.token, "[redacted]");

  const readable = tty.text();
  assert.throws(() => JSON.parse(readable.trim()), "a person gets text, not JSON");
  assert.match(readable, /INFO/);
  assert.match(readable, /signed in/);
  assert.match(readable, /ana@example\.com/);
  assert.doesNotMatch(readable, /hunter2|syn_usr_abcdef/);
});

test("the format can be forced either way, and the level still filters", async () => {
  const forcedPretty = output(false);
  const logger = createLogger({ logLevel: "warn", logFormat: "pretty" }, forcedPretty.stream);
  logger.info("not shown");
  logger.warn({ domain: "shop.example.com" }, "DNS lookup failed");
  const forcedJson = output(true);
  createLogger({ logLevel: "info", logFormat: "json" }, forcedJson.stream).info("as json");
  await new Promise((r) => setImmediate(r));

  assert.match(forcedPretty.text(), /WARN.*DNS lookup failed/);
  assert.match(forcedPretty.text(), /shop\.example\.com/);
  assert.doesNotMatch(forcedPretty.text(), /not shown/);
  assert.ok(!forcedPretty.text().includes("\u001b["), "no colour codes when the output is not a terminal");
  assert.equal(JSON.parse(forcedJson.text().trim()).msg, "as json");
});
