// The evaluation set through the offline analyzer (CI). The same incidents go to a real provider with
// `node --import tsx scripts/ai-eval.ts` (on demand, not CI).
import assert from "node:assert/strict";
import { test } from "node:test";
import { aiAnalysisAnswer } from "@syntra/contracts";
import { analyzeOffline } from "../providers/offline";
import { INCIDENTS } from "./incidents";

test("the offline analyzer names the expected cause of each incident of the evaluation set", () => {
  const misses: string[] = [];
  for (const incident of INCIDENTS) {
    const answer = aiAnalysisAnswer.parse(analyzeOffline(incident.context));
    const pattern = answer.evidence.find((e) => e.kind === "pattern")?.detail ?? "";
    if (!pattern.includes(`"${incident.expectedPattern}"`) || !incident.expectedCause.test(answer.root_cause)) {
      misses.push(`${incident.name}: ${pattern || "no pattern"}`);
    }
    if (incident.context.firstDeployment) {
      assert.match(answer.why_now, new RegExp(`deployment #${incident.context.firstDeployment.number}`), incident.name);
    }
  }
  const matched = INCIDENTS.length - misses.length;
  console.log(
    `offline analyzer: ${matched}/${INCIDENTS.length} root causes match (${Math.round((100 * matched) / INCIDENTS.length)}%)`,
  );
  assert.deepEqual(misses, []);
});

test("a deploy long before the first event is not blamed; no deploy says the data does not show what changed", () => {
  const oom = INCIDENTS.find((i) => i.expectedPattern === "out_of_memory");
  const refused = INCIDENTS.find((i) => i.expectedPattern === "connection_refused");
  assert.ok(oom && refused);
  assert.match(analyzeOffline(oom.context).why_now, /60 minute\(s\) after deployment #41 went live/);
  const deploy = oom.context.firstDeployment;
  assert.ok(deploy);
  const late = { ...oom.context, firstDeployment: { ...deploy, liveAt: "2026-11-19T14:00:00.000Z" } };
  assert.match(analyzeOffline(late).why_now, /too long after for the deploy alone to explain it/);
  assert.match(analyzeOffline(refused.context).why_now, /does not show what changed/);
});
