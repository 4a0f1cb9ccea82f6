import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { buildAgentBundle } from "./agent-bundle";

test("the agent bundle carries zod's English messages only, and reports a bad configuration in English", async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-agent-bundle-"));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const bundle = path.join(dir, "syntra-agent.cjs");
  const text = Buffer.from(await buildAgentBundle()).toString("utf8");
  await fs.writeFile(bundle, text);
  // Spanish and Dutch translations of zod's "invalid input" are in zod's locales; the bundle leaves them out.
  for (const foreign of ["Entrada inv", "Ongeldige invoer"]) assert.ok(!text.includes(foreign), foreign);
  const run = await promisify(execFile)(process.execPath, [bundle], {
    env: {
      PATH: process.env.PATH,
      SYNTRA_URL: "http://127.0.0.1:9",
      SYNTRA_SERVER_ID: "x",
      SYNTRA_AGENT_LOG_LEVEL: "loud",
    },
  }).catch((err: { code: number; stderr: string }) => err);
  assert.equal("code" in run ? run.code : 0, 2, "a bad configuration exits with 2");
  assert.match(run.stderr, /SYNTRA_SERVER_ID: Invalid UUID/);
  assert.match(run.stderr, /SYNTRA_AGENT_LOG_LEVEL: Invalid option: expected one of "debug"\|"info"\|"warn"\|"error"/);
});
