import assert from "node:assert/strict";
import { test } from "node:test";
import { PayloadStaging } from "./staging";

const payload = (byte: number) => Buffer.alloc(1000, byte);
const staged = (staging: PayloadStaging, byte: number) => {
  const given = payload(byte);
  const kept = staging.stage(given);
  assert.deepEqual(Buffer.from(kept), given);
  return kept !== given;
};

test("staging starts at a full cut, outlasts the batch interval's partial cut, and stops after two in a row", () => {
  const staging = new PayloadStaging(10_000);
  assert.equal(staged(staging, 1), false, "off until a full batch was cut");
  assert.equal(staging.swap(true), undefined);
  assert.equal(staged(staging, 2), true, "on after a full cut");
  const first = staging.swap(false);
  assert.ok(first, "the partial cut takes the slab that was being filled");
  assert.equal(staged(staging, 3), true, "still on after one partial cut: the load may go on");
  const second = staging.swap(true);
  assert.ok(second && second.slab !== first.slab, "cuts take the two slabs in turn");
  assert.equal(staged(staging, 4), true);
  assert.ok(staging.swap(false));
  assert.equal(staged(staging, 5), true);
  assert.ok(staging.swap(false), "the second partial cut in a row still takes its slab");
  assert.equal(staged(staging, 6), false, "off after two partial cuts in a row: the slabs are gone");
  assert.equal(staging.swap(false), undefined);
});

test("a payload that does not fit what is left of the slab is kept as it came", () => {
  const staging = new PayloadStaging(1500);
  staging.swap(true);
  assert.equal(staged(staging, 1), true);
  assert.equal(staged(staging, 2), false);
});
