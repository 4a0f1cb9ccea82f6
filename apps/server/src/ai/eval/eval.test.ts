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

test("the offline analyzer reports a metric change at the first event and a similar issue fixed before", () => {
  const [first] = INCIDENTS;
  assert.ok(first);
  const context = {
    ...first.context,
    metrics: {
      windowMinutes: 60,
      before: { requests: 400, errorRate: 0.01, p95Ms: 80 },
      after: { requests: 410, errorRate: 0.2, p95Ms: 90 },
    },
    similarIssues: [
      {
        title: "TypeError: Cannot read properties of undefined (reading 'customer')",
        service: "web",
        status: "resolved",
        culprit: null,
        events: 30,
        firstSeenAt: "2026-11-01T10:00:00.000Z",
        lastSeenAt: "2026-11-02T10:00:00.000Z",
        resolvedAt: "2026-11-02T11:00:00.000Z",
        rootCause: "orders imported without a customer",
      },
    ],
  };
  const answer = analyzeOffline(context);
  assert.match(answer.why_now, /error rate was 20\.0% \(before: 1\.0%\)/);
  assert.ok(answer.evidence.some((e) => e.kind === "metric"));
  assert.ok(answer.evidence.some((e) => e.kind === "issue" && e.detail.includes("orders imported without a customer")));
  // Unchanged metrics add nothing.
  const calm = analyzeOffline({ ...first.context, metrics: { ...context.metrics, after: context.metrics.before } });
  assert.ok(!calm.evidence.some((e) => e.kind === "metric"));
});
