import assert from "node:assert/strict";
import { test } from "node:test";
import { parseAssignments } from "./commands/env";
import { splitExecWords } from "./commands/exec";
import { parseSince } from "./duration";
import { CliError, EXIT } from "./exit-codes";

const usage = (err: unknown) => err instanceof CliError && err.exitCode === EXIT.usage;

test("--since takes durations back from now and dates", () => {
  const now = Date.parse("2026-01-31T12:00:00Z");
  assert.equal(parseSince("10m", now), "2026-01-31T11:50:00.000Z");
  assert.equal(parseSince("1h30m", now), "2026-01-31T10:30:00.000Z");
  assert.equal(parseSince("2d", now), "2026-01-29T12:00:00.000Z");
  assert.equal(parseSince("2026-01-30T08:00:00Z", now), "2026-01-30T08:00:00.000Z");
  assert.throws(() => parseSince("yesterday", now), usage);
  assert.throws(() => parseSince("10 minutes", now), usage);
});

test("KEY=VALUE: the value may hold '=' or be empty; bad names and doubles are usage errors", () => {
  assert.deepEqual(parseAssignments(["A=1", "URL=postgres://h/db?x=y", "EMPTY="]), [
    { key: "A", value: "1" },
    { key: "URL", value: "postgres://h/db?x=y" },
    { key: "EMPTY", value: "" },
  ]);
  for (const bad of [["NOVALUE"], ["=x"], ["1A=x"], ["A-B=x"], ["A=1", "A=2"]]) {
    assert.throws(() => parseAssignments(bad), usage, bad.join(" "));
  }
});

test("exec: the words after -- are the command, the one before the service", () => {
  const argv = (...words: string[]) => ["node", "syn", "exec", ...words];
  assert.deepEqual(splitExecWords(["web", "ls", "-la"], argv("web", "--", "ls", "-la")), {
    service: "web",
    command: ["ls", "-la"],
  });
  // Linked directory: no service; the command's own words may look like options or hold --.
  assert.deepEqual(splitExecWords(["sh", "-c", "a -- b"], argv("-it", "--", "sh", "-c", "a -- b")), {
    service: undefined,
    command: ["sh", "-c", "a -- b"],
  });
  assert.throws(() => splitExecWords(["web", "ls"], argv("web", "ls")), usage);
  assert.throws(() => splitExecWords(["web"], argv("web", "--")), usage);
  assert.throws(() => splitExecWords(["a", "b", "ls"], argv("a", "b", "--", "ls")), usage);
});
