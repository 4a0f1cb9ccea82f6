import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { apiRouteList } from "@syntra/contracts";
import YAML from "yaml";
import { renderContractFiles } from "./contract-files";

const contractsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../contracts");

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    ),
  );
  return nested.flat();
}

test("the committed contracts/ files are exactly what the schemas generate (run `npm run generate`)", async () => {
  const expected = renderContractFiles();
  const onDisk = (await listFiles(contractsDir)).filter((f) => f !== "README.md");
  assert.deepEqual(onDisk.sort(), [...expected.keys()].sort(), "contracts/ holds missing or extra files");
  for (const [file, content] of expected) {
    const actual = await fs.readFile(path.join(contractsDir, file), "utf8");
    assert.equal(actual, content, `contracts/${file} is stale: run npm run generate`);
  }
});

test("the OpenAPI document describes every registered route with its permission", () => {
  const doc = YAML.parse(renderContractFiles().get("api/openapi.yaml") ?? "") as {
    openapi: string;
    paths: Record<string, Record<string, { "x-syntra-permission"?: string; responses: object }>>;
  };
  assert.equal(doc.openapi, "3.1.0");
  for (const { route } of apiRouteList()) {
    const op = doc.paths[route.path.replace(/:([A-Za-z_]+)/g, "{$1}")]?.[route.method.toLowerCase()];
    assert.ok(op, `${route.method} ${route.path} missing from openapi.yaml`);
    if ("permission" in route.access) assert.equal(op["x-syntra-permission"], route.access.permission);
  }
  const signup = doc.paths["/api/v1/auth/signup"]?.post as unknown as {
    requestBody: { content: { "application/json": { schema: { properties: object; additionalProperties: boolean } } } };
  };
  const body = signup.requestBody.content["application/json"].schema;
  assert.ok("email" in body.properties && "password" in body.properties);
  assert.equal(body.additionalProperties, false, "unknown fields are rejected, and the document says so");
});
