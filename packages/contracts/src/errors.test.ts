import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { apiError } from "./api/envelope";
import { errorCode, errorCodeList, errorCodes, isErrorCode, toErrorCode } from "./errors";
import { websocketJsonSchemas } from "./generate/json-schemas";
import { wireErrorCode } from "./ws/primitives";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * Codes that look like ours but belong to others, each with the reason it is not in the table: Node's and
 * nodemailer's system errors (`ENOENT`, `EAUTH`), Node's internal ones (`ERR_BUFFER_TOO_LARGE`) and its HTTP
 * parser's (`HPE_HEADER_OVERFLOW`), Fastify's own (`FST_…`, mapped onto ours in the error handler), the API
 * client's for failures that never reached the API (its ClientErrorCode), and the Prometheus metric family types
 * the scraper switches on.
 */
const NOT_OURS = [
  /^E[A-Z]+$/,
  /^ERR_[A-Z_]+$/,
  /^HPE_[A-Z_]+$/,
  /^FST_[A-Z_]+$/,
  /^(NETWORK_ERROR|BAD_RESPONSE)$/,
  /^(COUNTER|GAUGE|HISTOGRAM|SUMMARY|UNTYPED)$/,
];

/** Where a string is used as an error code: thrown, compared, switched on, or written into an error object. */
const CODE_USES = [
  /\b(?:AppError|AgentError|BuildError|ApiError)\(\s*"([A-Z][A-Z0-9_]*)"/g,
  /\bcode: "([A-Z][A-Z0-9_]*)"/g,
  /\.code [!=]== "([A-Z][A-Z0-9_]*)"/g,
  /\bisAgentError\([^,()]+, "([A-Z][A-Z0-9_]*)"\)/g,
  /\bcase "([A-Z][A-Z0-9_]*)":/g,
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "testing" ? [] : sourceFiles(full);
    // Tests and test helpers play agents of other versions with codes the table lacks, on purpose.
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [full] : [];
  });
}

test("every error code the code uses is in the table", () => {
  const dirs = ["apps", "packages"].flatMap((top) =>
    fs
      .readdirSync(path.join(root, top))
      .map((name) => path.join(root, top, name, "src"))
      .filter((dir) => fs.existsSync(dir)),
  );
  const unknown: string[] = [];
  let uses = 0;
  for (const file of dirs.flatMap(sourceFiles)) {
    const text = fs.readFileSync(file, "utf8");
    for (const pattern of CODE_USES) {
      for (const match of text.matchAll(pattern)) {
        const code = match[1] as string;
        uses++;
        if (!isErrorCode(code) && !NOT_OURS.some((p) => p.test(code))) {
          unknown.push(`${path.relative(root, file)}: ${code}`);
        }
      }
    }
  }
  assert.ok(uses > 100, `only ${uses} uses found: the patterns no longer match the code`);
  assert.deepEqual(unknown, [], "add these codes to errorCodes in packages/contracts/src/errors.ts");
});

test("each code has an HTTP status of an error and a description; none is a code of others", () => {
  for (const [code, { status, description }] of Object.entries(errorCodes)) {
    assert.match(code, /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/, code);
    assert.ok(status >= 400 && status <= 599, `${code}: ${status}`);
    assert.ok(description.length > 20 && description.endsWith("."), `${code}: describe it in a sentence`);
    assert.ok(!NOT_OURS.some((p) => p.test(code)), `${code} looks like a code of others`);
  }
});

test("the API envelope and the WebSocket carry exactly the table's codes", () => {
  assert.deepEqual(wireErrorCode.options, errorCodeList);
  assert.deepEqual(errorCode.options, errorCodeList);
  assert.deepEqual((apiError.shape.error.shape.code as z.ZodEnum).options, errorCodeList);
  const schemas = JSON.stringify(websocketJsonSchemas());
  assert.ok(schemas.includes(JSON.stringify(errorCodeList)), "the WebSocket JSON Schemas list the table's codes");
  assert.equal(z.safeParse(wireErrorCode, "DISK_FULL").success, false);
});

test("a code from elsewhere (a stored row, a peer of another version) reads as one of the table's", () => {
  assert.equal(toErrorCode("PULL_FAILED"), "PULL_FAILED");
  assert.equal(toErrorCode("DISK_FULL"), "UNRECOGNIZED_ERROR");
  assert.equal(toErrorCode("toString"), "UNRECOGNIZED_ERROR", "only the table's own keys");
  assert.equal(toErrorCode(undefined), "UNRECOGNIZED_ERROR");
});
