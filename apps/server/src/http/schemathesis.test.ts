import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createTestApp, type TestApp } from "../testing/harness";
import { type SmtpInbox, startSmtpInbox } from "../testing/smtp-inbox";

// schemathesis (from PyPI, in the venv scripts/services/python.sh makes from python/schemathesis.txt) generates requests from the API's own
// generated OpenAPI document, valid and invalid, and sends them to a running control plane. The run fails on any
// 5xx, any answer whose status the document does not declare for that operation, and any answer (the error
// envelope included) that does not match the declared schema or content type.

const OPENAPI = fileURLToPath(new URL("../../../../contracts/api/openapi.yaml", import.meta.url));
const BINARY =
  process.env.SYNTRA_SCHEMATHESIS ??
  fileURLToPath(new URL("../../../../.test-services/python/schemathesis/bin/schemathesis", import.meta.url));
// Bounded for CI (~10,000 requests, most from the coverage phase; a few minutes on two busy cores). Override to fuzz
// longer by hand.
const MAX_EXAMPLES = process.env.SYNTRA_SCHEMATHESIS_MAX_EXAMPLES ?? "8";
const SEED = process.env.SYNTRA_SCHEMATHESIS_SEED ?? "20261205";

// Revoking the fuzzing token, or logging out with it (a token's logout revokes it), would end the run's
// authentication after a few hundred requests and leave the rest answering 401; both have tests of their own.
const EXCLUDED_OPERATIONS = [
  "tokensRevoke", // DELETE /api/v1/tokens/{tokenId}
  "authLogout", // POST /api/v1/auth/logout
];

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

/**
 * Real resources for the generated requests to reach past "not found": path parameters are drawn from them most
 * of the time (and generated otherwise). Deletions get resources of their own, so that the others stay for the
 * rest of the run.
 */
async function fixtureConfig(owner: { cookie: string }, token: string): Promise<string> {
  const ok = async (method: string, url: string, body?: unknown) => {
    const res = await t.call(method, url, { as: owner, body });
    assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body?.data;
  };
  const make = async (name: string) => {
    const server = await ok("POST", "/api/v1/servers", { name });
    const project = await ok("POST", "/api/v1/projects", { name });
    const service = await ok("POST", `/api/v1/projects/${project.id}/services`, {
      name,
      server_id: server.server_id,
      source_type: "image",
      source_config: { image: "registry.local:5000/acme/web", tag: "v1" },
      port: 8080,
      env_vars: { API_KEY: "fixture-secret" },
    });
    await ok("POST", `/api/v1/services/${service.id}/domains`, { domain: `${name}.example.com` });
    const deployment = await ok("POST", `/api/v1/services/${service.id}/deploy`, {});
    return { server: server.server_id, project: project.id, service: service.id, deployment: deployment.id, name };
  };
  const kept = await make("fuzz");
  const doomed = await make("doomed");
  const dictionaries = (f: typeof kept) =>
    [
      ["serverId", f.server],
      ["projectId", f.project],
      ["serviceId", f.service],
      ["deploymentId", f.deployment],
      ["key", "API_KEY"],
      ["domain", `${f.name}.example.com`],
    ] as const;
  // The document's security schemes make schemathesis send credentials of its own making, which would override the
  // Authorization header: name the token for the bearer scheme so that requests get past authentication.
  const lines: string[] = ["[auth.openapi.bearerToken]", `bearer = "${token}"`];
  for (const f of [kept, doomed]) {
    for (const [param, value] of dictionaries(f))
      lines.push(`[dictionaries.${f.name}-${param}]`, `values = ["${value}"]`);
  }
  const bind = (f: typeof kept) =>
    dictionaries(f).map(([param]) => `"path.${param}" = { dictionary = "${f.name}-${param}", probability = 0.8 }`);
  lines.push("[parameters]", ...bind(kept));
  lines.push("[[operations]]", 'include-method = "DELETE"', "[operations.parameters]", ...bind(doomed));
  // 5xx answers by design, documented as such: a repository that cannot be fetched is the git host's failure (502
  // CLONE_FAILED), and a control plane run from source has no agent bundle to hand out (501 NOT_SUPPORTED).
  for (const [operation, status] of [
    ["aiGenerateDockerfile", "502"],
    ["serversUpdateAgent", "501"],
  ])
    lines.push(
      "[[operations]]",
      `include-operation-id = "${operation}"`,
      `checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "${status}"]`,
    );
  // A stream is read up to its first event (the events stream sends `ready`, then only keep-alive comments).
  lines.push("[[operations]]", 'include-path-regex = "/(events|stream)$"', "max-stream-events = 1");
  return `${lines.join("\n")}\n`;
}

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
    `schemathesis is not installed at ${BINARY}: run 'bash scripts/services/python.sh start' (npm test does)`,
  );
  const url = (await t.agentUrl()).replace(/^ws/, "http").replace(/\/agent\/ws$/, "");
  const owner = await t.signup("owner@example.com", { orgName: "Acme" });
  const token = await t.call("POST", "/api/v1/tokens", { as: owner, body: { name: "schemathesis" } });
  assert.equal(token.status, 201);
  fs.writeFileSync(path.join(work, "schemathesis.toml"), await fixtureConfig(owner, token.body.data.token));

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
    ...EXCLUDED_OPERATIONS.flatMap((id) => ["--exclude-operation-id", id]),
    "--no-color",
  ]);
  const summary = output.slice(output.lastIndexOf("SUMMARY") === -1 ? -6000 : output.lastIndexOf("SUMMARY") - 40);
  process.stdout.write(`# schemathesis ${MAX_EXAMPLES} examples, seed ${SEED}:\n${summary.replace(/^/gm, "# ")}\n`);
  assert.equal(code, 0, `schemathesis found problems:\n${output.slice(-20_000)}`);
  assert.match(output, /Tested: \d+/, "schemathesis ran the operations");
  const unhandled = t.logs.filter((l) => l.includes("unhandled error"));
  assert.deepEqual(unhandled, [], "no request ended in an unhandled error");
});
