import { apiRoutes } from "@syntra/contracts";
import { displayUrl } from "../builds/builder/git-source";
import { implement } from "../http/route";
import { projectScope } from "../projects/routes";
import { storeScope } from "../telemetry/queries";
import { analyzeError } from "./analyze-error";
import { signalBand, signalSeries } from "./anomaly/service-signal";
import { generateDockerfile } from "./dockerfile/generate";
import { resourceRecommendations } from "./resources/recommend";
import { aiUsageOf } from "./usage";

const analyze = implement(apiRoutes.ai.analyzeError, {
  audit: { action: "ai.analyze_error", resourceType: "issue" },
  handler: async ({ auth, deps, body, audit }) => {
    const analysis = await analyzeError(deps, projectScope(auth), body);
    audit({ resourceId: body.issue_id, details: { force_refresh: body.force_refresh, provider: analysis.provider } });
    return analysis;
  },
});

const generate = implement(apiRoutes.ai.generateDockerfile, {
  audit: { action: "ai.generate_dockerfile", resourceType: "service" },
  handler: async ({ auth, deps, body, audit }) => {
    const answer = await generateDockerfile(deps, projectScope(auth), body);
    audit({
      resourceId: body.service_id ?? null,
      details: {
        repo_url: displayUrl(body.repo_url),
        commit_sha: answer.commit_sha,
        provider: answer.provider,
        verified: answer.verified,
        attempts: answer.attempts,
      },
    });
    return answer;
  },
});

const usage = implement(apiRoutes.ai.usage, {
  handler: async ({ auth, deps, query }) =>
    aiUsageOf(deps.db, deps.ai, projectScope(auth).orgId, query.days, deps.now()),
});

const anomalies = implement(apiRoutes.ai.anomalies, {
  handler: async ({ auth, deps, params, query }) => {
    const target = await storeScope(deps, projectScope(auth), params.serviceId);
    const series = await signalSeries(deps.telemetry, target, query.signal, deps.now());
    return signalBand(series, query, query.hours);
  },
});

const recommendations = implement(apiRoutes.ai.recommendations, {
  handler: async ({ auth, deps, params }) => resourceRecommendations(deps, projectScope(auth), params.serviceId),
});

/** The AI engine's API. */
export const aiApiRoutes = [analyze, generate, usage, anomalies, recommendations];
