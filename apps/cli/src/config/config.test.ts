import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { CliError } from "../exit-codes";
import { contextName, readConfig, writeConfig } from "./config-file";
import { findLink, LINK_FILE, removeLink, writeLink } from "./link";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "syn-config-test-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("the config file keeps several contexts, 0600 in a 0700 folder, and reads back what was written", () => {
  const file = path.join(dir, "home", ".syntra", "config.toml");
  assert.deepEqual(readConfig(file), { contexts: {} }, "no file is an empty config");
  writeConfig(
    {
      current_context: "prod",
      contexts: {
        prod: { url: "https://syntra.example.com", token: "syn_usr_a", token_source: "device", user: "a@example.com" },
        staging: { url: "http://127.0.0.1:3000", org: "2c9d6a1e-5b7f-4c3a-9e8d-1f2a3b4c5d6e" },
      },
    },
    file,
  );
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
  const back = readConfig(file);
  assert.equal(back.contexts.prod?.token, "syn_usr_a");
  assert.equal(back.contexts.staging?.org, "2c9d6a1e-5b7f-4c3a-9e8d-1f2a3b4c5d6e");
  assert.equal(contextName(back, undefined, {}), "prod");
  assert.equal(contextName(back, undefined, { SYNTRA_CONTEXT: "staging" }), "staging");
  assert.equal(contextName(back, "other", { SYNTRA_CONTEXT: "staging" }), "other", "the flag wins");
  // A file someone widened is written 0600 again; no temporary file is left behind.
  fs.chmodSync(file, 0o644);
  writeConfig(back, file);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ["config.toml"]);
});

test("a broken config file is an error naming the file, never a crash or a silent reset", () => {
  const file = path.join(dir, "broken.toml");
  fs.writeFileSync(file, "contexts = [[[");
  assert.throws(
    () => readConfig(file),
    (err: unknown) => err instanceof CliError && err.message.includes(file),
  );
  fs.writeFileSync(file, "[contexts.prod]\ntoken = 1\n");
  assert.throws(() => readConfig(file), /contexts\.prod/);
});

test("a link is found from the linked directory and below, not above; unlink removes it", () => {
  const project = path.join(dir, "project");
  const deep = path.join(project, "src", "lib");
  fs.mkdirSync(deep, { recursive: true });
  assert.equal(findLink(deep), null);
  const link = {
    url: "http://127.0.0.1:3000",
    org_id: "o",
    project_id: "p",
    project: "shop",
    service_id: "s",
    service: "web",
  };
  writeLink(link, project);
  assert.deepEqual(findLink(deep)?.link, link);
  assert.equal(findLink(deep)?.file, path.join(project, LINK_FILE));
  assert.equal(findLink(dir), null);
  assert.equal(removeLink(project), true);
  assert.equal(findLink(deep), null);
  assert.equal(fs.existsSync(path.join(project, ".syntra")), false);
});
