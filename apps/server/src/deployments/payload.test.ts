import assert from "node:assert/strict";
import { test } from "node:test";
import { imageReference } from "@syntra/contracts";
import { nextStatus } from "./dispatch";
import { imageRef, parseImageRef, splitImage } from "./payload";

test("image names split as Docker reads them: a registry host has a dot, a port or is localhost", () => {
  const cases: [string, string, [string, string, string]][] = [
    ["nginx", "1.27", ["docker.io", "library/nginx", "1.27"]],
    ["acme/web", "v1", ["docker.io", "acme/web", "v1"]],
    ["ghcr.io/acme/web", "sha-3f2a9c1", ["ghcr.io", "acme/web", "sha-3f2a9c1"]],
    ["registry.local:5000/acme/shop/api", "latest", ["registry.local:5000", "acme/shop/api", "latest"]],
    ["localhost/web", "dev", ["localhost", "web", "dev"]],
    ["myregistry:5000/web", "1", ["myregistry:5000", "web", "1"]],
    ["registry.local", "2", ["docker.io", "library/registry.local", "2"]],
  ];
  for (const [name, tag, [registry, repository, expectedTag]] of cases) {
    const ref = splitImage(name, tag);
    assert.deepEqual(ref, { registry, repository, tag: expectedTag }, name);
    assert.ok(imageReference.safeParse(ref).success, `${name} passes the deploy contract`);
    assert.deepEqual(parseImageRef(imageRef(ref)), ref, `${name} round-trips through the column`);
  }
  assert.equal(imageRef(splitImage("nginx", "1.27")), "docker.io/library/nginx:1.27");
});

test("agent reports move a deployment only forward; outcomes are the agent's word", () => {
  assert.equal(nextStatus("deploying", "pulling"), "deploying");
  assert.equal(nextStatus("queued", "starting"), "deploying");
  assert.equal(nextStatus("running", "pulling"), null, "late progress does not reopen a finished deployment");
  assert.equal(nextStatus("deploying", "running"), "running");
  assert.equal(nextStatus("deploying", "failed"), "failed");
  assert.equal(nextStatus("failed", "rolled_back"), "rolled_back");
  assert.equal(nextStatus("rolled_back", "failed"), null, "the failure that caused a rollback does not hide it");
  assert.equal(nextStatus("failed", "running"), "running", "a timed-out deployment the agent finished after all");
  assert.equal(nextStatus("cancelled", "running"), null);
  assert.equal(nextStatus("running", "running"), null);
});
