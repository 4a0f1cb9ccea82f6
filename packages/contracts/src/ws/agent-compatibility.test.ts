import assert from "node:assert/strict";
import { test } from "node:test";
import { agentCompatibility, compareVersions, minimumAgentVersion } from "./agent-compatibility";

// Interface contracts 4.3: an agent works with control planes up to one minor version newer than itself, so a control
// plane upgraded by one minor keeps its agents (they are then moved to its version), and one upgraded by two refuses
// the oldest with "update required".

/** Whether a control plane of `cp` accepts an agent of `agent`. */
const accepts = (agent: string, cp: string) => agentCompatibility(agent, cp).compatible;

test("the table's rows: agent 0.1.x works with control planes 0.1.0 to 0.2.x, agent 0.2.x with 0.1.0 to 0.3.x", () => {
  for (const cp of ["0.1.0", "0.1.7", "0.2.0", "0.2.9"]) assert.ok(accepts("0.1.3", cp), `0.1.3 on ${cp}`);
  assert.ok(!accepts("0.1.3", "0.3.0"));
  for (const cp of ["0.1.0", "0.2.0", "0.3.0", "0.3.4"]) assert.ok(accepts("0.2.1", cp), `0.2.1 on ${cp}`);
  assert.ok(!accepts("0.2.1", "0.4.0"));
});

test("a control plane one minor newer accepts its previous minor's agents; two minors newer tells them to update", () => {
  assert.ok(accepts("0.2.0", "0.3.0"));
  const refused = agentCompatibility("0.2.9", "0.4.0");
  assert.deepEqual(refused.compatible ? null : { reason: refused.reason, minimum: refused.minimum }, {
    reason: "too_old",
    minimum: "0.3.0",
  });
  assert.match(refused.compatible ? "" : refused.message, /0\.2\.9 is too old for control plane 0\.4\.0/);
});

test("newer agents are accepted; past 0.x the window stays within one major version; non-semver is refused", () => {
  assert.ok(accepts("0.5.0", "0.3.0"));
  assert.equal(minimumAgentVersion("1.0.0"), "1.0.0");
  assert.equal(minimumAgentVersion("1.4.2"), "1.3.0");
  assert.ok(accepts("1.3.5", "1.4.0"));
  assert.ok(!accepts("1.2.9", "1.4.0"));
  assert.ok(!accepts("0.9.0", "1.0.0"), "an agent of an older major is too old");
  assert.ok(!accepts("latest", "0.2.0"));
});

test("versions order by major, minor and patch", () => {
  assert.deepEqual(["0.10.0", "0.2.10", "1.0.0", "0.2.9"].sort(compareVersions), [
    "0.2.9",
    "0.2.10",
    "0.10.0",
    "1.0.0",
  ]);
});
