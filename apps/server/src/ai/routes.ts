import { apiRoutes } from "@syntra/contracts";
import { displayUrl } from "../builds/builder/git-source";
import { AppError } from "../errors";
import { implement } from "../http/route";
import { openSse, type SseStream } from "../live/sse";
import { projectScope } from "../projects/routes";
import { storeScope } from "../telemetry/queries";
import { analyzeError } from "./analyze-error";
import { explainAnomalies } from "./anomaly/explain";
import { signalBand, signalSeries } from "./anomaly/service-signal";
import { answerChat } from "./chat";
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
    const series = await signalSeries(deps.telemetry, target, query.signal, deps.now(), query.hours);
    const band = signalBand(series, query, query.hours);
    if (query.explain === "false") return band;
    return { ...band, anomalies: await explainAnomalies(deps, target, band.anomalies) };
  },
});

/**
 * POST /ai/chat: the answer streams as it is written. The event stream opens with the first piece, so a failure
 * before it (not found, budget, provider refused) is an ordinary error answer; one after it is an `error` event.
 * A client that leaves aborts the provider request.
 */
const chat = implement(apiRoutes.ai.chat, {
  audit: { action: "ai.chat", resourceType: "organization" },
  handler: async ({ auth, deps, body, req, reply, audit }) => {
    audit({ resourceId: auth.orgId, details: { ...body.context, provider: deps.ai.provider.name } });
    const left = new AbortController();
    reply.raw.on("close", () => left.abort());
    let stream: SseStream | null = null;
    const open = () => {
      stream ??= openSse(req, reply);
      return stream;
    };
    try {
      const { messageId } = await answerChat(
        deps,
        projectScope(auth),
        body,
        (content) => open().send("token", { content }),
        left.signal,
      );
      open().send("done", { message_id: messageId });
      open().close();
    } catch (err) {
      if (!stream) throw err;
      const failed = err instanceof AppError ? err : new AppError("INTERNAL_ERROR", "The answer failed");
      if (!(err instanceof AppError)) req.log.error({ err }, "chat answer failed");
      open().send("error", { error: failed.message, code: failed.code });
      open().close();
    }
    return undefined;
  },
});

const recommendations = implement(apiRoutes.ai.recommendations, {
  handler: async ({ auth, deps, params }) => resourceRecommendations(deps, projectScope(auth), params.serviceId),
});

/** The AI engine's API. */
export const aiApiRoutes = [analyze, generate, usage, anomalies, recommendations, chat];
