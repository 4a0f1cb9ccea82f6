import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createTestApp, type TestApp } from "../testing/harness";
import { type SmtpInbox, startSmtpInbox } from "../testing/smtp-inbox";

// schemathesis (from PyPI, installed by scripts/services/schemathesis.sh) generates requests from the API's own
// generated OpenAPI document, valid and invalid, and sends them to a running control plane. The run fails on any
// 5xx, any answer whose status the document does not declare for that operation, and any answer (the error
// envelope included) that does not match the declared schema or content type.

const OPENAPI = fileURLToPath(new URL("../../../../contracts/api/openapi.yaml", import.meta.url));
const BINARY =
  process.env.SYNTRA_SCHEMATHESIS ?? path.join(os.tmpdir(), "syntra-test-schemathesis", "bin", "schemathesis");
// Bounded for CI: about a minute and a half on two busy cores. Override to fuzz longer by hand.
const MAX_EXAMPLES = process.env.SYNTRA_SCHEMATHESIS_MAX_EXAMPLES ?? "15";
const SEED = process.env.SYNTRA_SCHEMATHESIS_SEED ?? "20261205";

// Server-Sent Event streams stay open by design (until their timeout); the deletion of the fuzzing token would end
// the run's authentication. Both are covered by their own tests.
const EXCLUDED_PATHS = "/events$|/stream$";
const EXCLUDED_OPERATION = "deleteTokensByTokenId"; // DELETE /api/v1/tokens/{tokenId}

let t: TestApp;
let inbox: SmtpInbox;
let work: string;
const onPostgres = process.env.TEST_DATABASE_URL !== undefined;

before(async () => {
  if (onPostgres) return;
  // With a mail server, forgot-password answers 202 rather than its (documented) 503 for "no mail configured".
  inbox = await startSmtpInbox();
  t = await createTestApp({ SYNTRA_SMTP_URL: inbox.url });
  work = fs.mkdtempSync(path.join(os.tmpdir(), "syntra-schemathesis-"));
});
after(async () => {
  if (onPostgres) return;
  await t.close();
  await inbox.close();
  fs.rmSync(work, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(BINARY, args, { cwd: work, env: { ...process.env, NO_COLOR: "1", COLUMNS: "160" } });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

test("schemathesis finds no server error, undeclared status or off-contract answer", {
  skip: onPostgres && "runs on PGlite only (the same API on either store)",
}, async () => {
  assert.ok(
    fs.existsSync(BINARY),
    `schemathesis is not installed at ${BINARY}: run 'bash scripts/services/schemathesis.sh' (npm test does)`,
  );
  const url = (await t.agentUrl()).replace(/^ws/, "http").replace(/\/agent\/ws$/, "");
  const owner = await t.signup("owner@example.com", { orgName: "Acme" });
  const token = await t.call("POST", "/api/v1/tokens", { as: owner, body: { name: "schemathesis" } });
  assert.equal(token.status, 201);

  const { code, output } = await run([
    "run",
    OPENAPI,
    "--url",
    url,
    "--header",
    `Authorization: Bearer ${token.body.data.token}`,
    "--checks",
    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
    "--phases",
    "examples,coverage,fuzzing",
    "--max-examples",
    MAX_EXAMPLES,
    "--seed",
    SEED,
    "--workers",
    "2",
    "--request-timeout",
    "20",
    "--exclude-path-regex",
    EXCLUDED_PATHS,
    "--exclude-operation-id",
    EXCLUDED_OPERATION,
    "--no-color",
  ]);
  const summary = output.slice(output.lastIndexOf("SUMMARY") === -1 ? -6000 : output.lastIndexOf("SUMMARY") - 40);
  process.stdout.write(`# schemathesis ${MAX_EXAMPLES} examples, seed ${SEED}:\n${summary.replace(/^/gm, "# ")}\n`);
  assert.equal(code, 0, `schemathesis found problems:\n${output.slice(-20_000)}`);
  assert.match(output, /Tested: \d+/, "schemathesis ran the operations");
  const unhandled = t.logs.filter((l) => l.includes("unhandled error"));
  assert.deepEqual(unhandled, [], "no request ended in an unhandled error");
});
