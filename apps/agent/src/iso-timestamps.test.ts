import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { toISOString } from "./iso-timestamps";

const builtin = Date.prototype.toISOString;

test("toISOString formats what the builtin formats, and refuses what it refuses", () => {
  const times = [0, -1, 5, 99, 1_733_400_000_123, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_000];
  for (const t of [...times, -62_167_219_200_001, 8.64e15, -8.64e15, Date.UTC(2024, 1, 29, 23, 59, 59, 7)]) {
    assert.equal(toISOString.call(new Date(t)), builtin.call(new Date(t)), String(t));
  }
  assert.throws(() => toISOString.call(new Date(Number.NaN)), RangeError);
  assert.throws(() => toISOString.call({} as Date), TypeError);
});

test("an agent process formats ISO dates, JSON included, without mapping ICU's time-zone names", async () => {
  // The names live in the node binary's read-only data: resident pages of the binary grow by ~1 MB when the builtin
  // looks one up. Compared in one process so nothing else differs: our formatter first, then the builtin.
  const script = `
    const fs = require("node:fs");
    const fileKb = () => Number(/RssFile:\\s+(\\d+)/.exec(fs.readFileSync("/proc/self/status", "utf8"))[1]);
    const { useIsoTimestampsWithoutIcu } = require(${JSON.stringify(fileURLToPath(new URL("./iso-timestamps.ts", import.meta.url)))});
    const builtin = Date.prototype.toISOString;
    useIsoTimestampsWithoutIcu();
    const before = fileKb();
    const json = JSON.stringify({ at: new Date(0) }) + new Date(1).toISOString();
    const ours = fileKb() - before;
    builtin.call(new Date(2));
    console.log(JSON.stringify({ json, ours, builtin: fileKb() - before - ours }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "-e", script]);
  const out = JSON.parse(stdout) as { json: string; ours: number; builtin: number };
  assert.equal(out.json, '{"at":"1970-01-01T00:00:00.000Z"}1970-01-01T00:00:00.001Z');
  assert.ok(out.builtin > 500, `the builtin maps ICU's names (${out.builtin} KB): the comparison shows something`);
  assert.ok(out.ours < out.builtin / 4, `ours mapped ${out.ours} KB, the builtin ${out.builtin} KB`);
});
